//! `loopguard server` at the protocol level: a client drives the server over an in-memory
//! connection (initialize, didOpen/didChange, publishDiagnostics, codeAction, hover, shutdown).

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

/// Only a guard against a server that never answers: every wait normally ends at once.
const HANG_GUARD: Duration = Duration::from_secs(300);

const FILES: &str =
    "import shutil\n\n\ndef clear_cache():\n    shutil.rmtree(\"/tmp/svc-cache\")\n";
const API: &str = "import asyncio\nimport time\n\nfrom app.files import clear_cache\n\n\nasync def reset():\n    name = \"h\u{e9}llo\u{1F600}\"; time.sleep(1)\n    clear_cache()\n    loop = asyncio.get_event_loop()\n";

struct Client {
    connection: Connection,
    server: Option<std::thread::JoinHandle<Result<(), String>>>,
    next_id: i32,
    /// The last diagnostics published for each URI, with their version.
    published: HashMap<String, (Option<i64>, Vec<Value>)>,
}

impl Client {
    fn start(root: &Path, capabilities: Value) -> (Client, Value) {
        let (client, server) = Connection::memory();
        let handle = std::thread::spawn(move || loopguard::lsp::serve(&server));
        let mut client = Client {
            connection: client,
            server: Some(handle),
            next_id: 0,
            published: HashMap::new(),
        };
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "capabilities": capabilities,
            }),
        );
        client.notify("initialized", json!({}));
        (client, result)
    }

    fn send(&self, message: Message) {
        self.connection.sender.send(message).unwrap();
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(Message::Notification(Notification::new(
            method.to_string(),
            params,
        )));
    }

    fn receive(&mut self) -> Message {
        let message = self
            .connection
            .receiver
            .recv_timeout(HANG_GUARD)
            .expect("the server answers");
        if let Message::Notification(notification) = &message {
            if notification.method == "textDocument/publishDiagnostics" {
                let params = &notification.params;
                self.published.insert(
                    params["uri"].as_str().unwrap().to_string(),
                    (
                        params["version"].as_i64(),
                        params["diagnostics"].as_array().unwrap().clone(),
                    ),
                );
            }
        }
        message
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.send(Message::Request(Request::new(
            id.clone(),
            method.to_string(),
            params,
        )));
        loop {
            if let Message::Response(response) = self.receive() {
                assert_eq!(response.id, id);
                assert!(response.error.is_none(), "{method}: {:?}", response.error);
                return response.result.unwrap_or(Value::Null);
            }
        }
    }

    /// The diagnostics of `uri` once a publication of it at `version` has arrived.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        loop {
            if let Some((Some(published), diagnostics)) = self.published.get(uri) {
                if *published == version {
                    return diagnostics.clone();
                }
            }
            self.receive();
        }
    }

    fn open(&self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}),
        );
    }

    fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let outcome = self.server.take().unwrap().join().unwrap();
        assert_eq!(outcome, Ok(()));
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The opt-in rules whose findings, fixes and chains the examples show.
const OPT_INS: &str = "extend-select = [\"LG201\", \"LG208\", \"LG301\"]\n";

fn workspace() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("loopguard.toml"), OPT_INS).unwrap();
    std::fs::create_dir(root.path().join("app")).unwrap();
    std::fs::write(root.path().join("app/__init__.py"), "").unwrap();
    std::fs::write(root.path().join("app/files.py"), FILES).unwrap();
    std::fs::write(root.path().join("app/api.py"), API).unwrap();
    root
}

/// (code, line, character) of each diagnostic.
fn places(diagnostics: &[Value]) -> Vec<(String, u64, u64)> {
    let mut places: Vec<(String, u64, u64)> = diagnostics
        .iter()
        .map(|diagnostic| {
            let start = &diagnostic["range"]["start"];
            (
                diagnostic["code"].as_str().unwrap().to_string(),
                start["line"].as_u64().unwrap(),
                start["character"].as_u64().unwrap(),
            )
        })
        .collect();
    places.sort();
    places
}

/// The column of `time.sleep` on the line with the non-ASCII string, in `encoding`'s units.
fn sleep_column(units: fn(&str) -> usize) -> u64 {
    let line = API.lines().nth(7).unwrap();
    units(&line[..line.find("time.sleep").unwrap()]) as u64
}

#[test]
fn open_buffers_are_linted_as_typed_and_a_change_in_one_updates_the_chains_of_the_others() {
    let root = workspace();
    let (mut client, result) = Client::start(root.path(), json!({}));
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    let api = uri(&root.path().join("app/api.py"));
    let files = uri(&root.path().join("app/files.py"));
    client.open(&api, API);
    let utf16 = sleep_column(|text| text.encode_utf16().count());
    assert_eq!(
        places(&client.diagnostics(&api, 1)),
        [
            ("LG201".to_string(), 7, utf16),
            ("LG208".to_string(), 8, 4),
            ("LG301".to_string(), 9, 11),
        ]
    );

    // The helper's unsaved buffer no longer blocks: the caller's chain is gone, though the
    // file on disk still blocks.
    client.open(&files, FILES);
    client.diagnostics(&files, 1);
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": files, "version": 2},
            "contentChanges": [{"text": "def clear_cache():\n    return None\n"}],
        }),
    );
    assert!(client.diagnostics(&files, 2).is_empty());
    let codes: Vec<String> = places(&client.published[&api].1)
        .into_iter()
        .map(|(code, _, _)| code)
        .collect();
    assert_eq!(codes, ["LG201", "LG301"]);

    // The caller's own edit is linted as typed too.
    let without_sleep = API.replace("; time.sleep(1)", "");
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": api, "version": 2},
            "contentChanges": [{"text": without_sleep}],
        }),
    );
    assert_eq!(
        places(&client.diagnostics(&api, 2)),
        [("LG301".to_string(), 9, 11)]
    );

    // Closing the helper puts its file on disk back into the project: the chain returns.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": files}}),
    );
    loop {
        if client
            .published
            .get(&files)
            .is_some_and(|(_, d)| d.is_empty())
            && client.published[&api].1.len() == 2
        {
            break;
        }
        client.receive();
    }
    client.shutdown();
}

#[test]
fn code_actions_offer_the_fix_and_both_suppressions_and_hover_shows_the_rule_doc() {
    let root = workspace();
    let (mut client, _) = Client::start(root.path(), json!({}));
    let api = uri(&root.path().join("app/api.py"));
    client.open(&api, API);
    client.diagnostics(&api, 1);
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": api},
            "range": {"start": {"line": 9, "character": 12}, "end": {"line": 9, "character": 12}},
            "context": {"diagnostics": []},
        }),
    );
    let actions = actions.as_array().unwrap();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(titles[0].starts_with("Fix LG301 (safe): "), "{titles:?}");
    assert_eq!(titles[1], "Suppress LG301 on this line");
    assert_eq!(titles[2], "Suppress LG301 in this file");
    assert_eq!(actions[0]["isPreferred"], true);
    let edits = |action: &Value| action["edit"]["changes"][&api].as_array().unwrap().clone();
    let fix = edits(&actions[0]);
    assert_eq!(fix[0]["newText"], "asyncio.get_running_loop");
    let suppress = edits(&actions[1]);
    assert_eq!(
        suppress[0]["newText"],
        "    # loopguard: allow(LG301) -- reason\n"
    );
    assert_eq!(
        suppress[0]["range"]["start"],
        json!({"line": 9, "character": 0})
    );
    let in_file = edits(&actions[2]);
    assert_eq!(
        in_file[0]["newText"],
        "# loopguard: allow-file(LG301) -- reason\n"
    );
    assert_eq!(
        in_file[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );

    // An unsafe fix is offered and labelled as such.
    let sleep = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": api},
            "range": {"start": {"line": 7, "character": 0}, "end": {"line": 7, "character": 40}},
            "context": {"diagnostics": []},
        }),
    );
    let titles: Vec<String> = sleep
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect();
    assert!(
        titles.iter().any(|t| t.starts_with("Fix LG201 (")),
        "{titles:?}"
    );
    assert!(titles.contains(&"Suppress LG201 on this line".to_string()));

    let hover = client.request(
        "textDocument/hover",
        json!({
            "textDocument": {"uri": api},
            "position": {"line": 9, "character": 15},
        }),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.starts_with("**LG301 deprecated-get-event-loop**"),
        "{text}"
    );
    assert!(text.contains("get_running_loop"), "{text}");
    let nothing = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": api}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(nothing, Value::Null);
    client.shutdown();
}

#[test]
fn utf8_columns_when_the_client_offers_them() {
    let root = workspace();
    let (mut client, result) = Client::start(
        root.path(),
        json!({"general": {"positionEncodings": ["utf-16", "utf-8"]}}),
    );
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    let api = uri(&root.path().join("app/api.py"));
    client.open(&api, API);
    let sleep = places(&client.diagnostics(&api, 1))
        .into_iter()
        .find(|(code, _, _)| code == "LG201")
        .unwrap();
    assert_eq!(sleep, ("LG201".to_string(), 7, sleep_column(str::len)));
    assert_ne!(
        sleep_column(str::len),
        sleep_column(|t| t.encode_utf16().count())
    );
    client.shutdown();
}

#[test]
fn the_project_config_of_each_file_applies() {
    let root = workspace();
    std::fs::write(
        root.path().join("loopguard.toml"),
        format!("{OPT_INS}[per-file-ignores]\n\"app/api.py\" = [\"LG301\"]\n"),
    )
    .unwrap();
    let (mut client, _) = Client::start(root.path(), json!({}));
    let api = uri(&root.path().join("app/api.py"));
    client.open(&api, API);
    let codes: Vec<String> = places(&client.diagnostics(&api, 1))
        .into_iter()
        .map(|(code, _, _)| code)
        .collect();
    assert_eq!(codes, ["LG201", "LG208"]);
    client.shutdown();
}

#[test]
fn rust_buffers_are_linted_too_and_files_of_other_kinds_are_not() {
    let root = workspace();
    let (mut client, _) = Client::start(root.path(), json!({}));
    let lib = uri(&root.path().join("src/lib.rs"));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {
            "uri": uri(&root.path().join("notes.txt")), "languageId": "plaintext",
            "version": 1, "text": "time.sleep(1)\n",
        }}),
    );
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {
            "uri": lib, "languageId": "rust", "version": 1,
            "text": "async fn handler() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n",
        }}),
    );
    assert_eq!(
        places(&client.diagnostics(&lib, 1)),
        [("LG201".to_string(), 1, 4)]
    );
    assert_eq!(client.published.len(), 1, "{:?}", client.published.keys());
    client.shutdown();
}
