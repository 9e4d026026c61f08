// `amp audit verify`: checks the audit log's hash chain, offline on a data folder (--data-dir, reading amp.db
// directly; the server may be running) or through a server's GET /v1/audit/verify (--server, admin key).
// Exit code 0 when intact, 1 when broken or unreadable.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace amp::app {

void AddAuditCommand(CLI::App& app, std::function<int()>* action);

}  // namespace amp::app
