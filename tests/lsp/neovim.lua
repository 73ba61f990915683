-- Driven by tests/lsp_neovim.rs: opens a file in headless Neovim with `loopguard server` as its
-- language server, records the diagnostics, applies two code actions and records the result.
-- Written against the API of Neovim 0.7 (start_client, buf_attach_client), which 0.8+ keep.
local bin = os.getenv('LOOPGUARD_BIN')
local root = os.getenv('LOOPGUARD_ROOT')
local file = os.getenv('LOOPGUARD_FILE')
local out = os.getenv('LOOPGUARD_OUT')
-- Only a guard against a server that never answers.
local hang_guard = 120000

local function code_of(diagnostic)
  return diagnostic.code or (diagnostic.user_data and diagnostic.user_data.lsp and diagnostic.user_data.lsp.code)
end

local function snapshot(buf)
  local found = {}
  for _, diagnostic in ipairs(vim.diagnostic.get(buf)) do
    table.insert(found, { code = code_of(diagnostic), line = diagnostic.lnum, col = diagnostic.col })
  end
  table.sort(found, function(a, b) return a.line < b.line or (a.line == b.line and a.code < b.code) end)
  return found
end

local function codes(buf)
  local present = {}
  for _, diagnostic in ipairs(vim.diagnostic.get(buf)) do
    present[code_of(diagnostic)] = true
  end
  return present
end

local function apply_action(buf, client, line, prefix)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = line, character = 0 }, ['end'] = { line = line, character = 200 } },
    context = { diagnostics = {} },
  }
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, hang_guard)
  for _, response in pairs(responses or {}) do
    for _, action in ipairs(response.result or {}) do
      if vim.startswith(action.title, prefix) then
        vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
        return action.title
      end
    end
  end
  error('no code action starting with ' .. prefix)
end

local result = {}
local ok, message = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local id = vim.lsp.start_client({ name = 'loopguard', cmd = { bin, 'server' }, root_dir = root })
  vim.lsp.buf_attach_client(buf, id)
  local client = vim.lsp.get_client_by_id(id)
  assert(vim.wait(hang_guard, function() return #vim.diagnostic.get(buf) > 0 end, 20), 'no diagnostics')
  result.opened = snapshot(buf)

  result.fix = apply_action(buf, client, 9, 'Fix LG301 (safe)')
  assert(vim.wait(hang_guard, function() return not codes(buf)['LG301'] end, 20), 'LG301 stayed')
  result.suppress = apply_action(buf, client, 7, 'Suppress LG201 on this line')
  assert(vim.wait(hang_guard, function() return not codes(buf)['LG201'] end, 20), 'LG201 stayed')
  result.after = snapshot(buf)
  result.lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  vim.lsp.stop_client(id)
  -- `shutdown` answered and `exit` sent before Neovim quits.
  vim.wait(hang_guard, function() return client.is_stopped() end, 20)
end)
if not ok then
  result.error = tostring(message)
end
local handle = io.open(out, 'w')
handle:write(vim.fn.json_encode(result))
handle:close()
vim.cmd('qa!')
