"""A small Language Server Protocol client: JSON-RPC 2.0 over a child's
stdin/stdout with Content-Length framing, as editors speak it. Standard
library only, so it runs with any python3 (scripts/test-lsp, scripts/bench-lsp)."""
import json
import os
import queue
import subprocess
import threading
import time


def utf16_len(text):
    return len(text.encode("utf-16-le")) // 2


def position_of(text, needle, nth=0, offset=0):
    """The LSP position (0-based line, UTF-16 column) of the nth `needle`
    in `text`, `offset` characters into it."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    start += offset
    line = text.count("\n", 0, start)
    line_start = text.rfind("\n", 0, start) + 1
    return {"line": line, "character": utf16_len(text[line_start:start])}


def file_uri(path):
    from urllib.parse import quote
    return "file://" + quote(os.path.abspath(path))


class LSPClient:
    def __init__(self, command, cwd=None):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=cwd)
        self.messages = queue.Queue()
        self.diagnostics = {}       # uri -> newest params of publishDiagnostics
        self.published = []         # (time, params) of every publishDiagnostics, in order
        self.next_id = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.rstrip(b"\r\n")
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            body = stream.read(length)
            message = json.loads(body.decode("utf-8"))
            if message.get("method") == "textDocument/publishDiagnostics":
                self.published.append((time.perf_counter(), message["params"]))
            self.messages.put(message)

    def send(self, message):
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def send_raw(self, data):
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params, timeout=20):
        self.next_id += 1
        ident = self.next_id
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        return self.wait_response(ident, timeout)

    def wait_response(self, ident, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            message = self._next(deadline)
            if message.get("id") == ident and "method" not in message:
                if "error" in message:
                    raise LSPError(message["error"])
                return message.get("result")

    def _next(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no answer from the server")
        try:
            message = self.messages.get(timeout=remaining)
        except queue.Empty:
            raise TimeoutError("no answer from the server") from None
        if message is None:
            raise EOFError("the server closed its output: " + self.process.stderr.read().decode(errors="replace")[:2000])
        if message.get("method") == "textDocument/publishDiagnostics":
            self.diagnostics[message["params"]["uri"]] = message["params"]
        return message

    def wait_diagnostics(self, uri, predicate=lambda d: True, timeout=20, version=None):
        """The newest diagnostics of `uri` once they satisfy `predicate`
        (and, when given, were published for `version`)."""
        deadline = time.monotonic() + timeout
        while True:
            params = self.diagnostics.get(uri)
            if params is not None and (version is None or params.get("version") == version) and predicate(params["diagnostics"]):
                return params["diagnostics"]
            self._next(deadline)

    def drain(self, seconds=0.2):
        deadline = time.monotonic() + seconds
        try:
            while True:
                self._next(deadline)
        except TimeoutError:
            pass

    def initialize(self, root):
        result = self.request("initialize", {"processId": os.getpid(), "rootUri": file_uri(root),
                                             "capabilities": {}, "workspaceFolders": [{"uri": file_uri(root), "name": "ws"}]})
        self.notify("initialized", {})
        return result

    def open(self, path, text=None, version=1):
        if text is None:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        uri = file_uri(path)
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": version, "text": text}})
        return uri

    def change(self, uri, text, version):
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]})

    def close(self, timeout=20):
        try:
            self.request("shutdown", None, timeout=timeout)
            self.notify("exit", None)
            return self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                stream.close()


class LSPError(Exception):
    def __init__(self, error):
        super().__init__(error.get("message"))
        self.code = error.get("code")
