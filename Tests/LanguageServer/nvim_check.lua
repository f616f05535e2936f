-- Run by scripts/nvim-lsp inside `nvim --headless` with the spec as the buffer:
-- attaches `sluice lsp` with Neovim's built-in client, waits for the
-- diagnostic, jumps to a definition, and writes what it saw to $RESULT.
local out = assert(io.open(os.getenv("RESULT"), "w"))
local function finish(code)
  out:close()
  vim.cmd(code == 0 and "qa!" or "cq!")
end

local path = vim.api.nvim_buf_get_name(0)
local client = vim.lsp.start_client({
  name = "sluice",
  cmd = { os.getenv("SLUICE"), "lsp" },
  root_dir = vim.fn.fnamemodify(path, ":h:h"),
})
if not client then
  out:write("error: the client did not start\n")
  return finish(1)
end
vim.lsp.buf_attach_client(0, client)

if not vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 20) then
  out:write("error: no diagnostic arrived\n")
  return finish(1)
end
for _, d in ipairs(vim.diagnostic.get(0)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or "?"
  local first = vim.split(d.message, "\n")[1]
  out:write(string.format("diagnostic %d:%d %s: %s\n", d.lnum + 1, d.col + 1, code, first))
end

-- On `monitor` in `needs: [monitor]`, go to its definition.
local row
for i, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
  if line:find("needs: [monitor]", 1, true) then row = i end
end
vim.api.nvim_win_set_cursor(0, { row, 13 })
vim.lsp.buf.definition()
if not vim.wait(20000, function() return vim.api.nvim_win_get_cursor(0)[1] ~= row end, 20) then
  out:write("error: the cursor did not move\n")
  return finish(1)
end
local cursor = vim.api.nvim_win_get_cursor(0)
out:write(string.format("definition %d:%d %s\n", cursor[1], cursor[2] + 1, vim.api.nvim_get_current_line()))
vim.lsp.stop_client(client)
finish(0)
