"""`sluice lsp` driven by a real LSP client (lsp_client.py) over stdio, on the
example pipelines. Run by scripts/test-lsp: SLUICE=path/to/sluice python3 -m unittest.
Every test works on a copy of pipelines/ in a temporary directory."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from lsp_client import LSPClient, LSPError, file_uri, position_of, utf16_len  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SLUICE = os.environ.get("SLUICE", os.path.join(REPO, ".build", "debug", "sluice"))
EXAMPLES = sorted(f for f in os.listdir(os.path.join(REPO, "pipelines")) if f.endswith(".yaml"))


class ServerTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="sluice-lsp-")
        shutil.copytree(os.path.join(REPO, "pipelines"), os.path.join(self.work, "pipelines"))
        self.client = LSPClient([SLUICE, "lsp"], cwd=self.work)
        self.capabilities = self.client.initialize(self.work)["capabilities"]

    def tearDown(self):
        try:
            self.assertEqual(self.client.close(), 0, "the server must exit 0 after shutdown and exit")
        finally:
            shutil.rmtree(self.work, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.work, "pipelines", name)

    def text(self, name):
        with open(self.path(name), encoding="utf-8") as f:
            return f.read()

    def at(self, uri, text, needle, nth=0, offset=1):
        return {"textDocument": {"uri": uri}, "position": position_of(text, needle, nth, offset)}

    def line_of(self, text, needle, nth=0):
        return position_of(text, needle, nth, 0)["line"]


class DiagnosticsTests(ServerTest):
    def test_every_example_publishes_what_sluice_lint_reports(self):
        for name in EXAMPLES:
            with self.subTest(name):
                uri = self.client.open(self.path(name))
                got = self.client.wait_diagnostics(uri)
                lint = subprocess.run([SLUICE, "lint", self.path(name), "--format", "json"], capture_output=True, text=True)
                expected = [(d["rule"], d["line"] - 1) for d in json.loads(lint.stdout)["diagnostics"]
                            if d["file"].endswith(name)]
                self.assertEqual(sorted((d["code"], d["range"]["start"]["line"]) for d in got), sorted(expected))

    def test_every_rule_fixture_publishes_what_sluice_lint_reports(self):
        """The golden lint fixtures (one folder per rule): the same rules at the
        same positions, converted to UTF-16 columns, as `sluice lint FILE`."""
        root = os.path.join(REPO, "Tests", "SluiceCompilerTests", "Fixtures", "lint")
        rules = set()
        for rule in sorted(os.listdir(root)):
            for name in sorted(os.listdir(os.path.join(root, rule))):
                path = os.path.join(root, rule, name)
                if not name.endswith((".yaml", ".yml")) or "params" in name:
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                if not any(line.startswith(("pipeline", "\"pipeline", "'pipeline")) for line in text.lstrip("\ufeff").splitlines()):
                    continue
                with self.subTest(path):
                    uri = self.client.open(path, text)
                    got = self.client.wait_diagnostics(uri)
                    lint = subprocess.run([SLUICE, "lint", path, "--format", "json"], capture_output=True, text=True)
                    lines = text.lstrip("\ufeff").split("\n")
                    expected = []
                    for d in json.loads(lint.stdout)["diagnostics"]:
                        if d["file"] != path:
                            continue
                        line = lines[d["line"] - 1] if d["line"] - 1 < len(lines) else ""
                        expected.append((d["rule"], d["line"] - 1, utf16_len(line.rstrip("\r")[:d["column"] - 1]) + max(0, d["column"] - 1 - len(line.rstrip("\r")))))
                        rules.add(d["rule"])
                    self.assertEqual(sorted((d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"]) for d in got), sorted(expected))
                    self.client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        self.assertGreaterEqual(len(rules), 25, rules)

    def test_a_mistake_is_published_with_code_range_and_help_then_cleared_when_fixed(self):
        text = self.text("daily_ops.yaml")
        uri = self.client.open(self.path("daily_ops.yaml"), text)
        self.assertEqual(self.client.wait_diagnostics(uri, version=1), [])
        broken = text.replace("needs: [score_recent]", "needs: [score_recnt]")
        self.client.change(uri, broken, 2)
        found = self.client.wait_diagnostics(uri, lambda d: len(d) > 0, version=2)
        unknown = [d for d in found if d["code"] == "unknown-task"]
        self.assertEqual(len(unknown), 1, found)
        start = position_of(broken, "score_recnt", 0, 0)
        self.assertEqual(unknown[0]["range"], {"start": start, "end": {"line": start["line"], "character": start["character"] + 11}})
        self.assertEqual(unknown[0]["severity"], 1)
        self.assertEqual(unknown[0]["source"], "sluice")
        self.assertIn('help: did you mean "score_recent"?', unknown[0]["message"])
        self.client.change(uri, text, 3)
        self.assertEqual(self.client.wait_diagnostics(uri, version=3), [])

    def test_notes_become_related_information_at_the_place_they_name(self):
        text = self.text("daily_ops.yaml").replace("{{ params.scoring.days }}", "{{ params.scoring.days.x }}")
        uri = self.client.open(self.path("daily_ops.yaml"), text)
        found = self.client.wait_diagnostics(uri, lambda d: len(d) > 0)
        param = [d for d in found if d["code"] == "unknown-param"]
        self.assertEqual(len(param), 1, found)
        related = param[0]["relatedInformation"]
        self.assertIn("params.scoring.days is set at", related[0]["message"])
        # The note names where `days` is set: the location points there.
        self.assertEqual(related[0]["location"]["uri"], uri)
        self.assertEqual(related[0]["location"]["range"]["start"], position_of(text, "days: 14", 0, 6))

    def test_suppression_comments_are_honoured(self):
        text = self.text("daily_ops.yaml").replace("      breach_days: int\n", "      breach_days: int\n      spare: int\n")
        uri = self.client.open(self.path("daily_ops.yaml"), text)
        found = self.client.wait_diagnostics(uri, lambda d: len(d) > 0)
        self.assertEqual([d["code"] for d in found], ["unused-output"])
        self.assertEqual(found[0]["severity"], 2)
        self.client.change(uri, text.replace("spare: int\n", "spare: int  # sluice: ignore[unused-output]\n"), 2)
        self.assertEqual(self.client.wait_diagnostics(uri, version=2), [])

    def test_triggers_resolve_across_open_documents(self):
        text = self.text("daily_ops.yaml").replace("trigger: model_retraining", "trigger: model_retraining_v2")
        uri = self.client.open(self.path("daily_ops.yaml"), text)
        found = self.client.wait_diagnostics(uri, lambda d: len(d) > 0)
        self.assertEqual([d["code"] for d in found], ["unknown-pipeline"])
        # A new, unsaved spec in the same folder declares it: the trigger resolves.
        other = self.text("model_retraining.yaml").replace("pipeline: model_retraining", "pipeline: model_retraining_v2")
        self.client.open(self.path("model_retraining_v2.yaml"), other)
        self.assertEqual(self.client.wait_diagnostics(uri, lambda d: d == []), [])

    def test_params_file_problems_are_published_on_the_params_file(self):
        text = self.text("demand_forecast.yaml")
        with open(self.path("params/demand_forecast.yaml"), "a", encoding="utf-8") as f:
            f.write("broken: [1, 2\n")
        uri = self.client.open(self.path("demand_forecast.yaml"), text)
        params_uri = file_uri(self.path("params/demand_forecast.yaml"))
        found = self.client.wait_diagnostics(params_uri, lambda d: len(d) > 0)
        self.assertEqual({d["code"] for d in found}, {"yaml-syntax"})
        self.client.wait_diagnostics(uri)

    def test_positions_count_utf16_after_non_ascii_text(self):
        text = self.text("daily_ops.yaml").replace("python3 scripts/ops_monitor.py",
                                                    "python3 scripts/ops_monitor.py --label \"é🚀中\" {{ params.nope }}")
        uri = self.client.open(self.path("daily_ops.yaml"), text)
        found = self.client.wait_diagnostics(uri, lambda d: any(x["code"] == "unknown-param" for x in d))
        param = [d for d in found if d["code"] == "unknown-param"][0]
        start = position_of(text, "nope", 0, 0)
        line = text.split("\n")[start["line"]]
        self.assertEqual(start["character"], utf16_len(line[:line.index("nope")]))
        self.assertEqual(param["range"]["start"], start)
        self.assertEqual(param["range"]["end"]["character"], start["character"] + 4)


class NavigationTests(ServerTest):
    def test_definition_of_each_kind_of_name(self):
        daily = self.text("daily_ops.yaml")
        uri = self.client.open(self.path("daily_ops.yaml"), daily)
        # needs entry -> task
        got = self.client.request("textDocument/definition", self.at(uri, daily, "needs: [score_recent]", offset=9))
        self.assertEqual(got[0]["uri"], uri)
        self.assertEqual(got[0]["range"]["start"], position_of(daily, "score_recent:", 0, 0))
        # branch entry -> task
        got = self.client.request("textDocument/definition", self.at(uri, daily, "branch: [retrain", offset=10))
        self.assertEqual(got[0]["range"]["start"], position_of(daily, "  retrain:", 0, 2))
        # {{ task.output }} -> the output's declaration
        got = self.client.request("textDocument/definition", self.at(uri, daily, "{{ score_recent.scored }}", offset=17))
        self.assertEqual(got[0]["range"]["start"], position_of(daily, "scored: ", 0, 0))
        # ... and its task segment -> the task
        got = self.client.request("textDocument/definition", self.at(uri, daily, "{{ score_recent.scored }}", offset=5))
        self.assertEqual(got[0]["range"]["start"], position_of(daily, "score_recent:", 0, 0))
        # {{ params.a.b }} -> the key
        got = self.client.request("textDocument/definition", self.at(uri, daily, "{{ params.scoring.days }}", offset=19))
        self.assertEqual(got[0]["range"]["start"], position_of(daily, "days: 14", 0, 0))
        # trigger -> the other pipeline's file
        got = self.client.request("textDocument/definition", self.at(uri, daily, "trigger: model_retraining", offset=12))
        self.assertEqual(got[0]["uri"], file_uri(self.path("model_retraining.yaml")))
        self.assertEqual(got[0]["range"]["start"], position_of(self.text("model_retraining.yaml"), "model_retraining", 0, 0))

    def test_definition_of_a_param_in_the_params_file_and_of_a_pool(self):
        demand = self.text("demand_forecast.yaml")
        uri = self.client.open(self.path("demand_forecast.yaml"), demand)
        got = self.client.request("textDocument/definition", self.at(uri, demand, "{{ params.ingest.history_days }}", offset=18))
        params_text = self.text("params/demand_forecast.yaml")
        self.assertEqual(got[0]["uri"], file_uri(self.path("params/demand_forecast.yaml")))
        self.assertEqual(got[0]["range"]["start"], position_of(params_text, "history_days:", 0, 0))
        ohlcv = self.text("ohlcv_ingest.yaml")
        uri = self.client.open(self.path("ohlcv_ingest.yaml"), ohlcv)
        got = self.client.request("textDocument/definition", self.at(uri, ohlcv, "pool: market_api", offset=8))
        self.assertEqual(got[0]["range"]["start"], position_of(ohlcv, "market_api: 2", 0, 0))
        # A bare `foreach: params.tickers` is a reference too.
        got = self.client.request("textDocument/definition", self.at(uri, ohlcv, "foreach: params.tickers", offset=18))
        self.assertEqual(got[0]["range"]["start"], position_of(ohlcv, "tickers: [", 0, 0))

    def test_references_of_a_task_output_and_param(self):
        daily = self.text("daily_ops.yaml")
        uri = self.client.open(self.path("daily_ops.yaml"), daily)
        refs = self.client.request("textDocument/references", {**self.at(uri, daily, "  monitor:", offset=3), "context": {"includeDeclaration": True}})
        # Declaration, `needs: [monitor]`, and four {{ monitor.x }}.
        self.assertEqual(len(refs), 6, refs)
        refs = self.client.request("textDocument/references", {**self.at(uri, daily, "{{ monitor.rmse }}", offset=12), "context": {"includeDeclaration": False}})
        self.assertEqual(len(refs), 2, refs)
        refs = self.client.request("textDocument/references", {**self.at(uri, daily, "rmse_threshold: 3.0", offset=2), "context": {"includeDeclaration": True}})
        self.assertEqual([r["range"]["start"]["line"] for r in refs],
                         sorted([self.line_of(daily, "rmse_threshold: 3.0")] + [self.line_of(daily, "params.monitoring.rmse_threshold", n) for n in (0, 1)]))

    def test_rename_a_task_everywhere_and_the_result_lints_clean(self):
        daily = self.text("daily_ops.yaml")
        uri = self.client.open(self.path("daily_ops.yaml"), daily)
        prepared = self.client.request("textDocument/prepareRename", self.at(uri, daily, "needs: [monitor]", offset=10))
        self.assertEqual(prepared["placeholder"], "monitor")
        edit = self.client.request("textDocument/rename", {**self.at(uri, daily, "needs: [monitor]", offset=10), "newName": "health"})
        renamed = apply_edits(daily, edit["changes"][uri])
        self.assertNotIn("{{ monitor.", renamed)
        self.assertIn("  health:", renamed)
        self.client.change(uri, renamed, 2)
        self.assertEqual(self.client.wait_diagnostics(uri, version=2), [])
        with self.assertRaises(LSPError):
            self.client.request("textDocument/rename", {**self.at(uri, renamed, "needs: [health]", offset=10), "newName": "not a name"})

    def test_rename_keeps_the_quotes_of_a_quoted_name(self):
        text = ('pipeline: q\ntasks:\n  "load":\n    run: echo\n    outputs: { rows: int }\n'
                '  report:\n    needs: [\'load\']\n    run: echo {{ load.rows }} "é🚀"\n')
        uri = self.client.open(self.path("quoted.yaml"), text)
        self.assertEqual(self.client.wait_diagnostics(uri), [])
        edit = self.client.request("textDocument/rename", {**self.at(uri, text, "{{ load.rows }}", offset=4), "newName": "fetch"})
        renamed = apply_edits(text, edit["changes"][uri])
        self.assertEqual(renamed, text.replace('"load"', '"fetch"').replace("'load'", "'fetch'").replace("{{ load.", "{{ fetch."))

    def test_rename_an_output_and_a_param_across_the_params_file(self):
        demand = self.text("demand_forecast.yaml")
        uri = self.client.open(self.path("demand_forecast.yaml"), demand)
        edit = self.client.request("textDocument/rename", {**self.at(uri, demand, "{{ params.ingest.history_days }}", offset=18), "newName": "days"})
        params_uri = file_uri(self.path("params/demand_forecast.yaml"))
        self.assertIn(params_uri, edit["changes"])
        params_text = apply_edits(self.text("params/demand_forecast.yaml"), edit["changes"][params_uri])
        self.assertIn("  days: 42", params_text)
        renamed = apply_edits(demand, edit["changes"][uri])
        self.assertNotIn("history_days", renamed)
        with open(self.path("params/demand_forecast.yaml"), "w", encoding="utf-8") as f:
            f.write(params_text)
        self.client.change(uri, renamed, 2)
        self.assertEqual(self.client.wait_diagnostics(uri, version=2), [])
        # An output: its declaration and every reader.
        daily = self.text("daily_ops.yaml")
        duri = self.client.open(self.path("daily_ops.yaml"), daily)
        edit = self.client.request("textDocument/rename", {**self.at(duri, daily, "      rmse: float", offset=7), "newName": "rmse_gwh"})
        self.assertEqual(len(edit["changes"][duri]), 3)
        self.client.change(duri, apply_edits(daily, edit["changes"][duri]), 2)
        self.assertEqual(self.client.wait_diagnostics(duri, version=2), [])


class CompletionTests(ServerTest):
    def complete(self, uri, text, needle, offset):
        result = self.client.request("textDocument/completion", self.at(uri, text, needle, offset=offset))
        return {item["label"]: item for item in result["items"]}

    def test_completion_in_each_context(self):
        daily = self.text("daily_ops.yaml")
        uri = self.client.open(self.path("daily_ops.yaml"), daily)
        self.client.wait_diagnostics(uri)
        edited = daily.replace("    needs: [decide]\n    trigger:", "    needs: [decide, ]\n    pool: \n    trigger_rule: \n    \n    trigger:")
        edited = edited.replace("--rmse {{ monitor.rmse }}", "--rmse {{ monitor. }} {{ params.scoring. }} {{ sc }}", 1)
        edited = edited.replace("      status: string", "      status: \n", 1)
        self.client.change(uri, edited, 2)
        # needs: task names
        items = self.complete(uri, edited, "needs: [decide, ]", 16)
        self.assertTrue({"score_recent", "monitor", "decide", "report"} <= set(items), items)
        # outputs after {{ task.
        items = self.complete(uri, edited, "{{ monitor. }}", 11)
        self.assertEqual(set(items), {"rmse", "breach_days"})
        self.assertEqual(items["rmse"]["detail"], "float")
        # params after {{ params.
        items = self.complete(uri, edited, "{{ params.scoring. }}", 18)
        self.assertEqual(set(items), {"days", "drift", "seed"})
        # task names and roots at {{
        items = self.complete(uri, edited, "{{ sc }}", 3)
        self.assertTrue({"score_recent", "params", "run"} <= set(items))
        # trigger rules
        items = self.complete(uri, edited, "trigger_rule: \n", 14)
        self.assertIn("none_failed_min_one_success", items)
        # keys of a task, with their docs
        items = self.complete(uri, edited, "    \n    trigger:", 4)
        self.assertTrue({"run", "needs", "outputs", "trigger_rule"} <= set(items))
        self.assertTrue(items["needs"]["documentation"]["value"])
        # types of an output
        items = self.complete(uri, edited, "      status: \n", 14)
        self.assertTrue({"string", "int", "float", "file", "table()"} <= set(items))
        # pipelines for trigger
        items = self.complete(uri, edited, "trigger: model_retraining", 9)
        self.assertIn("model_retraining", items)
        self.assertNotIn("daily_operations", items)
        # top-level keys
        items = self.complete(uri, edited, "pipeline: daily", 0)
        self.assertTrue({"pipeline", "params", "tasks", "pools"} <= set(items))

    def test_pools_complete(self):
        ohlcv = self.text("ohlcv_ingest.yaml")
        uri = self.client.open(self.path("ohlcv_ingest.yaml"), ohlcv)
        items = self.complete(uri, ohlcv, "pool: market_api", 6)
        self.assertEqual(set(items), {"market_api"})


class HoverTests(ServerTest):
    def hover(self, uri, text, needle, offset, nth=0):
        result = self.client.request("textDocument/hover", self.at(uri, text, needle, nth=nth, offset=offset))
        return result["contents"]["value"] if result else None

    def test_hover_on_outputs_params_tasks_and_diagnostics(self):
        daily = self.text("daily_ops.yaml")
        uri = self.client.open(self.path("daily_ops.yaml"), daily)
        text = self.hover(uri, daily, "{{ monitor.rmse }}", 12)
        self.assertIn("`monitor.rmse`: `float`", text)
        self.assertIn("produced by task `monitor`", text)
        text = self.hover(uri, daily, "{{ params.scoring.days }}", 19)
        self.assertIn("= `14`", text)
        self.assertIn("inline `params`", text)
        text = self.hover(uri, daily, "  report:", 3)
        self.assertIn("needs: `retrain`, `all_good`", text)
        self.assertIn("trigger rule: `none_failed_min_one_success`", text)
        self.assertIn("`report`: `file`", text)
        broken = daily.replace("needs: [score_recent]", "needs: [score_recnt]")
        self.client.change(uri, broken, 2)
        text = self.hover(uri, broken, "score_recnt", 2)
        self.assertIn("**unknown-task**", text)
        demand = self.text("demand_forecast.yaml")
        duri = self.client.open(self.path("demand_forecast.yaml"), demand)
        text = self.hover(duri, demand, "{{ params.ingest.seed }}", 18)
        self.assertIn("= `7`", text)
        self.assertIn("params_file", text)


class RobustnessTests(ServerTest):
    HOSTILE = [
        "", "\t\t:", "pipeline: [", "{{{{", "pipeline: p\ntasks:\n  a:\n    run: {{ \n", "- - - -\n" * 50,
        "pipeline: p\ntasks:\n  a: " + "[" * 500, "\ufeffpipeline: é🚀\ntasks: {}\n", "pipeline: x\r\ntasks:\r\n  a:\r\n    needs: [b]\r\n",
        "pipeline: p\n" + "x" * 100000, "pipeline: p\ntasks:\n  a:\n    run: \"\\ud800\"\n", "pipeline: p\u2028tasks: {}\n",
    ]

    def test_hostile_documents_and_positions_never_stop_the_server(self):
        uri = file_uri(self.path("hostile.yaml"))
        self.client.open(self.path("hostile.yaml"), "pipeline: p\n")
        for version, text in enumerate(self.HOSTILE, start=2):
            self.client.change(uri, text, version)
            self.client.wait_diagnostics(uri, version=version)
            for line, character in [(0, 0), (0, 10**6), (10**6, 0), (2, 5), (-1, -1)]:
                params = {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}
                for method in ["textDocument/definition", "textDocument/hover", "textDocument/completion", "textDocument/references"]:
                    self.client.request(method, params)

    def test_the_fuzz_corpus_never_stops_the_server(self):
        """The spec fuzzer's regression inputs (billion laughs, deep nesting ...),
        checked, then asked about at every line's start and middle."""
        corpus = os.path.join(REPO, "Tests", "SluiceCLITests", "Fixtures", "fuzz", "spec")
        for name in sorted(os.listdir(corpus)):
            with open(os.path.join(corpus, name), encoding="utf-8", errors="replace") as f:
                text = f.read()
            path = self.path("fuzz-" + name)
            uri = self.client.open(path, "pipeline: fuzz\n" + text)
            self.client.wait_diagnostics(uri)
            for line, content in list(enumerate(("pipeline: fuzz\n" + text).split("\n")))[:40]:
                for character in (0, utf16_len(content) // 2, utf16_len(content)):
                    params = {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}
                    for method in ["textDocument/definition", "textDocument/hover", "textDocument/completion"]:
                        self.client.request(method, params)
            self.client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def test_broken_messages_get_errors_and_the_server_carries_on(self):
        self.client.send_raw(b"Content-Length: 5\r\n\r\n{oops")
        self.client.send({"jsonrpc": "2.0", "id": 99, "method": "no/suchMethod", "params": {}})
        with self.assertRaises(LSPError) as caught:
            self.client.wait_response(99)
        self.assertEqual(caught.exception.code, -32601)
        self.assertIsNone(self.client.request("textDocument/hover", {"textDocument": {"uri": "file:///not/open.yaml"}, "position": {"line": 0, "character": 0}}))


def apply_edits(text, edits):
    """Applies LSP TextEdits (UTF-16 positions) to text."""
    lines = text.split("\n")

    def offset(position):
        line = lines[position["line"]]
        units, index = 0, 0
        while units < position["character"]:
            units += utf16_len(line[index])
            index += 1
        return sum(len(l) + 1 for l in lines[:position["line"]]) + index

    for edit in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


if __name__ == "__main__":
    unittest.main()
