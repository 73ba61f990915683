//! `loopguard server`: a Language Server over stdio (docs/lsp.md).
//!
//! Every open buffer is linted from its unsaved text, with the settings `check` would use for
//! its path. The whole workspace is linted in each pass, open buffers standing in for their
//! files on disk and the other files taken from the result cache, so that the project phase
//! (LG208's chains, fan-outs bounded in another module) sees the buffers as they are: a change
//! in one file updates the findings of every open file it reaches.

mod actions;
mod position;
mod uri;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, DiagnosticRelatedInformation,
    DiagnosticSeverity, Hover, HoverContents, HoverProviderCapability, InitializeParams,
    InitializeResult, Location, MarkupContent, MarkupKind, NumberOrString,
    PublishDiagnosticsParams, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use ruff_text_size::TextRange;

use crate::cache::Cache;
use crate::config::CliOverrides;
use crate::diagnostic::Diagnostic;
use crate::discover::{
    discover, language_of, ConfigSource, DiscoveredFile, Discovery, SettingsResolver,
};
use crate::lint::{lint_all, lint_all_cached, FileReport};
use crate::registry::{Language, Severity};
use position::{Encoding, Lines};

/// Serves one client on standard input and output until it exits.
pub fn run() -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    // Dropped first: the writer thread ends when the last sender is gone.
    drop(connection);
    io_threads
        .join()
        .map_err(|error| format!("the connection failed: {error}"))
}

/// Serves one client over `connection` (stdio, or an in-memory pair in tests) until it asks
/// to shut down and exits.
pub fn serve(connection: &Connection) -> Result<(), String> {
    let protocol = |error: lsp_server::ProtocolError| error.to_string();
    let (id, params) = connection.initialize_start().map_err(protocol)?;
    let params: InitializeParams =
        serde_json::from_value(params).map_err(|error| format!("initialize: {error}"))?;
    let mut server = Server::new(&params);
    let result = InitializeResult {
        capabilities: server.capabilities(),
        server_info: Some(ServerInfo {
            name: "loopguard".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    let result = serde_json::to_value(result).map_err(|error| error.to_string())?;
    connection.initialize_finish(id, result).map_err(protocol)?;
    server.main_loop(connection)
}

/// An open buffer and what its last lint found.
struct Document {
    uri: Uri,
    version: i32,
    text: String,
    language: Language,
    /// Findings with byte ranges into `text`.
    findings: Vec<Diagnostic>,
}

struct Server {
    encoding: Encoding,
    /// The workspace folder: its files make up the project the buffers are linted in.
    root: Option<PathBuf>,
    documents: BTreeMap<PathBuf, Document>,
    /// Buffers closed since the last lint, whose diagnostics are to be cleared.
    closed: Vec<Uri>,
    /// Whether the buffers changed since their last lint.
    stale: bool,
    /// Whether the next lint should write the result cache (after an open or a save, not on
    /// every keystroke).
    save_cache: bool,
}

impl Server {
    fn new(params: &InitializeParams) -> Server {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|general| general.position_encodings.as_deref());
        #[allow(deprecated)]
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|folders| folders.first())
            .map(|folder| &folder.uri)
            .or(params.root_uri.as_ref())
            .and_then(uri::to_path);
        Server {
            encoding: Encoding::negotiate(offered),
            root,
            documents: BTreeMap::new(),
            closed: Vec::new(),
            stale: false,
            save_cache: false,
        }
    }

    fn capabilities(&self) -> ServerCapabilities {
        ServerCapabilities {
            position_encoding: Some(self.encoding.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::FULL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                ..CodeActionOptions::default()
            })),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            ..ServerCapabilities::default()
        }
    }

    fn main_loop(&mut self, connection: &Connection) -> Result<(), String> {
        for message in &connection.receiver {
            match message {
                Message::Request(request) => {
                    match connection.handle_shutdown(&request) {
                        Ok(false) => {}
                        Ok(true) => return Ok(()),
                        // Only after `shutdown` was answered, when no `exit` follows: a client
                        // that quits without it (Neovim's `:qa` right after stopping the
                        // server) has nothing left to lose.
                        Err(error) => {
                            eprintln!("loopguard: after shutdown: {error}");
                            return Ok(());
                        }
                    }
                    // Answered against the buffers as they are now.
                    self.lint_if_stale(connection)?;
                    let response = self.respond(request);
                    send(connection, Message::Response(response))?;
                }
                Message::Notification(notification) => self.notified(notification),
                Message::Response(_) => {}
            }
            // Edits that arrived meanwhile are all taken in before the next lint.
            if connection.receiver.is_empty() {
                self.lint_if_stale(connection)?;
            }
        }
        Ok(())
    }

    fn notified(&mut self, notification: Notification) {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(params) = notification
                    .extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                else {
                    return;
                };
                let document = params.text_document;
                let Some(path) = uri::to_path(&document.uri) else {
                    return;
                };
                let Some(language) = language_of(&path, true) else {
                    return;
                };
                self.documents.insert(
                    path,
                    Document {
                        uri: document.uri,
                        version: document.version,
                        text: document.text,
                        language,
                        findings: Vec::new(),
                    },
                );
                self.stale = true;
                self.save_cache = true;
            }
            DidChangeTextDocument::METHOD => {
                let Ok(params) = notification.extract::<lsp_types::DidChangeTextDocumentParams>(
                    DidChangeTextDocument::METHOD,
                ) else {
                    return;
                };
                let Some(document) = uri::to_path(&params.text_document.uri)
                    .and_then(|path| self.documents.get_mut(&path))
                else {
                    return;
                };
                // Full synchronisation: the last change holds the whole text.
                if let Some(change) = params.content_changes.into_iter().last() {
                    document.text = change.text;
                    document.version = params.text_document.version;
                    self.stale = true;
                }
            }
            DidSaveTextDocument::METHOD => {
                // What is on disk may differ from the buffers of other files than this one
                // (a formatter, a checkout): the next pass reads it again.
                self.stale = true;
                self.save_cache = true;
            }
            DidCloseTextDocument::METHOD => {
                let Ok(params) = notification
                    .extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                else {
                    return;
                };
                if let Some(path) = uri::to_path(&params.text_document.uri) {
                    if let Some(document) = self.documents.remove(&path) {
                        self.closed.push(document.uri);
                    }
                }
                self.stale = true;
            }
            _ => {}
        }
    }

    fn lint_if_stale(&mut self, connection: &Connection) -> Result<(), String> {
        if !self.stale {
            return Ok(());
        }
        self.stale = false;
        let reports = self.lint();
        for (path, document) in &mut self.documents {
            document.findings = reports
                .get(path)
                .map(|report| report.diagnostics.clone())
                .unwrap_or_default();
        }
        for uri in std::mem::take(&mut self.closed) {
            publish(connection, uri, Vec::new(), None)?;
        }
        for document in self.documents.values() {
            let diagnostics = self.to_lsp(document);
            publish(
                connection,
                document.uri.clone(),
                diagnostics,
                Some(document.version),
            )?;
        }
        Ok(())
    }

    /// One pass over the workspace with the open buffers standing in for their files; the
    /// reports of the open files, by path.
    fn lint(&mut self) -> BTreeMap<PathBuf, FileReport> {
        let cwd = self
            .root
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/"));
        // Made afresh for each pass: a config file may have been edited since the last.
        let resolver = Arc::new(SettingsResolver::new(
            ConfigSource::Hierarchical,
            CliOverrides::default(),
            cwd.clone(),
        ));
        // Problems go to standard error, which clients show as the server's log.
        let mut discovery = match &self.root {
            Some(root) => {
                discover(std::slice::from_ref(root), &resolver, None).unwrap_or_else(|error| {
                    eprintln!("loopguard: {error}");
                    Discovery::default()
                })
            }
            None => Discovery::default(),
        };
        for (path, document) in &self.documents {
            let unsaved = Some(Arc::new(document.text.as_bytes().to_vec()));
            match discovery
                .files
                .binary_search_by(|file| file.path.as_ref().cmp(path))
            {
                Ok(found) => discovery.files[found].unsaved = unsaved,
                Err(_) => {
                    // Outside the workspace, excluded, ignored or not saved yet: linted all
                    // the same unless its config excludes it.
                    let settings = match resolver.for_file(path) {
                        Ok(settings) => settings,
                        Err(error) => {
                            eprintln!("loopguard: {error}");
                            continue;
                        }
                    };
                    if settings.is_excluded(path) {
                        continue;
                    }
                    discovery.files.push(DiscoveredFile {
                        path: path.as_path().into(),
                        language: document.language,
                        settings,
                        unsaved,
                    });
                }
            }
        }
        discovery.files.sort_by(|a, b| a.path.cmp(&b.path));
        discovery.unreadable.clear();
        let cache = self.root.as_deref().map(Cache::open);
        let reports = match &cache {
            Some(cache) => lint_all_cached(discovery, None, cache),
            None => lint_all(discovery, None),
        };
        if let (Some(cache), true) = (cache, std::mem::take(&mut self.save_cache)) {
            // A cache that cannot be written costs time, not correctness.
            let _ = cache.save();
        }
        reports
            .unwrap_or_else(|error| {
                eprintln!("loopguard: {error}");
                Vec::new()
            })
            .into_iter()
            .filter(|report| self.documents.contains_key(report.path.as_ref()))
            .map(|report| (report.path.to_path_buf(), report))
            .collect()
    }

    fn to_lsp(&self, document: &Document) -> Vec<lsp_types::Diagnostic> {
        let lines = Lines::new(&document.text, self.encoding);
        document
            .findings
            .iter()
            .map(|finding| to_lsp_diagnostic(finding, &lines, &document.uri))
            .collect()
    }

    fn respond(&self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            CodeActionRequest::METHOD => request
                .extract::<lsp_types::CodeActionParams>(CodeActionRequest::METHOD)
                .map_err(|error| error.to_string())
                .map(|(_, params)| serde_json::to_value(self.code_actions(&params))),
            HoverRequest::METHOD => request
                .extract::<lsp_types::HoverParams>(HoverRequest::METHOD)
                .map_err(|error| error.to_string())
                .map(|(_, params)| serde_json::to_value(self.hover(&params))),
            _ => return method_not_found(id, &request.method),
        };
        match result {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err(error)) => {
                Response::new_err(id, ErrorCode::InternalError as i32, error.to_string())
            }
            Err(error) => Response::new_err(id, ErrorCode::InvalidParams as i32, error),
        }
    }

    fn document(&self, uri: &Uri) -> Option<&Document> {
        self.documents.get(&uri::to_path(uri)?)
    }

    fn code_actions(&self, params: &lsp_types::CodeActionParams) -> Vec<lsp_types::CodeAction> {
        let Some(document) = self.document(&params.text_document.uri) else {
            return Vec::new();
        };
        let lines = Lines::new(&document.text, self.encoding);
        let requested = TextRange::new(
            lines.offset(params.range.start),
            lines
                .offset(params.range.end)
                .max(lines.offset(params.range.start)),
        );
        actions::for_range(document, &lines, requested)
    }

    /// The documentation of the rules whose findings cover the position.
    fn hover(&self, params: &lsp_types::HoverParams) -> Option<Hover> {
        let at = &params.text_document_position_params;
        let document = self.document(&at.text_document.uri)?;
        let lines = Lines::new(&document.text, self.encoding);
        let offset = lines.offset(at.position);
        let mut rules: Vec<_> = document
            .findings
            .iter()
            .filter(|finding| finding.range.start() <= offset && offset <= finding.range.end())
            .map(|finding| finding.rule)
            .collect();
        rules.sort();
        rules.dedup();
        if rules.is_empty() {
            return None;
        }
        let docs: Vec<String> = rules
            .iter()
            .map(|rule| {
                let meta = rule.meta();
                format!("**{} {}**\n\n{}", meta.code, meta.name, meta.doc)
            })
            .collect();
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: docs.join("\n\n---\n\n"),
            }),
            range: None,
        })
    }
}

pub(crate) fn to_lsp_diagnostic(
    finding: &Diagnostic,
    lines: &Lines,
    uri: &Uri,
) -> lsp_types::Diagnostic {
    let mut message = finding.message.clone();
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = finding
        .notes
        .iter()
        .filter_map(|note| {
            let location = match (&note.file, note.range) {
                (Some(file), _) => Location {
                    uri: uri::from_path(&file.path)?,
                    range: uri::one_based(file.location),
                },
                (None, Some(range)) => Location {
                    uri: uri.clone(),
                    range: lines.range(range),
                },
                (None, None) => return None,
            };
            Some(DiagnosticRelatedInformation {
                location,
                message: note.message.clone(),
            })
        })
        .collect();
    let meta = finding.rule.meta();
    lsp_types::Diagnostic {
        range: lines.range(finding.range),
        severity: Some(match meta.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(meta.code.to_string())),
        source: Some("loopguard".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}

fn publish(
    connection: &Connection,
    uri: Uri,
    diagnostics: Vec<lsp_types::Diagnostic>,
    version: Option<i32>,
) -> Result<(), String> {
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version,
    };
    send(
        connection,
        Message::Notification(Notification::new(
            PublishDiagnostics::METHOD.to_string(),
            params,
        )),
    )
}

fn send(connection: &Connection, message: Message) -> Result<(), String> {
    connection
        .sender
        .send(message)
        .map_err(|_| "the client went away".to_string())
}

fn method_not_found(id: RequestId, method: &str) -> Response {
    Response::new_err(
        id,
        ErrorCode::MethodNotFound as i32,
        format!("loopguard does not implement {method}"),
    )
}
