//! The HTML report: one self-contained file (inline CSS, SVG and a few lines of script; no
//! network resources), readable on screen and on paper. maud escapes every interpolated
//! value, so source text, paths, messages and reasons cannot inject markup.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::svg::{self, Bar, Point};
use super::{category_title, Audit, Hotspot, RuleSummary};
use crate::registry::Rule;

const STYLE: &str = r#"
:root { --ink: #0f172a; --muted: #526075; --line: #dfe4ec; --panel: #f6f8fb; --accent: #2557d6;
  --bar: #3f76e4; --error: #c0262d; --warning: #a85f00; --ok: #18794e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: #fff; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.9em; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 32px; }
header.masthead { background: var(--ink); color: #fff; padding: 28px 0 26px; }
.eyebrow { margin: 0; text-transform: uppercase; letter-spacing: .12em; font-size: 12px; color: #9fb3d9; font-weight: 600; }
h1 { margin: 4px 0 14px; font-size: 28px; font-weight: 650; }
h1 code { font-size: 0.85em; color: #dbe6ff; }
dl.meta { display: flex; flex-wrap: wrap; gap: 8px 36px; margin: 0; }
dl.meta div { display: flex; gap: 8px; } dl.meta dt { color: #9fb3d9; } dl.meta dd { margin: 0; font-weight: 600; }
.totals { display: grid; grid-template-columns: repeat(6, 1fr); gap: 14px; margin: -1px 0 0; padding: 22px 0 8px; }
.card { border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; background: #fff; box-shadow: 0 1px 2px rgba(15,23,42,.05); }
.card .number { display: block; font-size: 26px; font-weight: 700; line-height: 1.2; font-variant-numeric: tabular-nums; }
.card .label { color: var(--muted); font-size: 13px; }
.card .sub { display: block; font-size: 12px; color: var(--muted); margin-top: 2px; }
.card .sub.alert { color: var(--error); font-weight: 600; }
nav.toc { display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 10px 0 4px; border-bottom: 1px solid var(--line); font-size: 14px; }
section { padding: 18px 0 8px; }
h2 { font-size: 21px; margin: 12px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 15px; margin: 18px 0 8px; color: #243044; }
.grid { display: grid; grid-template-columns: 3fr 2fr; gap: 28px; align-items: start; }
.grid > div { min-width: 0; }
td.rule { white-space: nowrap; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px 6px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 4px 0 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; white-space: nowrap; color: #243044; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th::after { content: " \2195"; color: #a3adbd; font-size: 11px; }
table.sortable th[aria-sort=ascending]::after { content: " \25B2"; color: var(--accent); }
table.sortable th[aria-sort=descending]::after { content: " \25BC"; color: var(--accent); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.badge.error { background: #fde7e8; color: var(--error); } .badge.warning { background: #fff1db; color: var(--warning); }
.missing { color: var(--error); font-weight: 600; }
.callout { border-left: 4px solid var(--error); background: #fff5f5; padding: 8px 14px; border-radius: 4px; margin: 8px 0 12px; }
.note { color: var(--muted); }
.delta-new { color: var(--error); font-weight: 600; } .delta-fixed { color: var(--ok); font-weight: 600; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg .label { font-size: 13px; fill: #243044; } svg a .label { fill: var(--accent); }
svg .value { font-size: 12px; fill: #243044; font-weight: 600; }
svg .axis { font-size: 12px; fill: var(--muted); } svg .detail { font-size: 11px; }
svg .track { fill: #e8edf5; } svg .bar { fill: var(--bar); }
svg .grid { stroke: #e3e8ef; stroke-width: 1; }
svg .series { fill: none; stroke: var(--accent); stroke-width: 2.5; } svg .dot { fill: #fff; stroke: var(--accent); stroke-width: 2.5; }
article.rule-doc { border: 1px solid var(--line); border-radius: 10px; padding: 4px 20px 8px; margin: 0 0 16px; }
article.rule-doc h3 { font-size: 17px; } article.rule-doc h4 { font-size: 14px; margin: 14px 0 4px; }
article.rule-doc pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto; }
footer { color: var(--muted); font-size: 13px; padding: 24px 0 40px; border-top: 1px solid var(--line); margin-top: 24px; }
@media (max-width: 900px) { .totals { grid-template-columns: repeat(3, 1fr); } .grid { grid-template-columns: 1fr; } }
@media print {
  body { font-size: 11pt; } .wrap { max-width: none; padding: 0; }
  header.masthead { background: none; color: var(--ink); border-bottom: 3px solid var(--ink); padding: 0 0 10px; }
  .eyebrow, dl.meta dt { color: var(--muted); } h1 code { color: var(--ink); }
  nav.toc { display: none; } a { color: inherit; }
  table.sortable th::after { content: none; }
  section { break-inside: auto; } tr, .card, svg.chart, article.rule-doc { break-inside: avoid; }
  h2 { break-after: avoid; } #rules { break-before: page; }
}
"#;

/// Click (or Enter) on a header sorts by that column; numbers numerically, text naturally.
const SORT_SCRIPT: &str = r#"
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.tabIndex = 0;
  function sort() {
    var table = th.closest("table"), body = table.tBodies[0];
    var column = Array.prototype.indexOf.call(th.parentNode.children, th);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    function key(row) { var cell = row.cells[column]; return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim(); }
    var number = /^-?\d+(\.\d+)?$/;
    Array.prototype.slice.call(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b);
      var order = number.test(x) && number.test(y) ? x - y : x.localeCompare(y, undefined, { numeric: true });
      return ascending ? order : -order;
    }).forEach(function (row) { body.appendChild(row); });
  }
  th.addEventListener("click", sort);
  th.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
});
"#;

fn rule_anchor(code: &str) -> String {
    format!("#rule-{code}")
}

fn count(value: usize) -> String {
    let digits = value.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

fn plural(value: usize, singular: &str, plural: &str) -> String {
    format!(
        "{} {}",
        count(value),
        if value == 1 { singular } else { plural }
    )
}

fn category_label(category: Option<u8>) -> String {
    match category {
        Some(category) => format!("{category} · {}", category_title(category)),
        None => "tool".to_string(),
    }
}

/// A rule's Markdown doc as HTML, its headings moved under the report's own; raw HTML in
/// the doc is shown as text.
fn rule_doc(doc: &str) -> Markup {
    let shift = |level: HeadingLevel| match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    };
    let events = Parser::new_ext(doc, Options::ENABLE_TABLES).map(|event| match event {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: shift(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(shift(level))),
        Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
        other => other,
    });
    let mut rendered = String::new();
    pulldown_cmark::html::push_html(&mut rendered, events);
    PreEscaped(rendered)
}

/// A diagnostic message with its `backticked` names set as code.
fn message(text: &str) -> Markup {
    html! {
        @for (index, part) in text.split('`').enumerate() {
            @if index % 2 == 1 { code { (part) } } @else { (part) }
        }
    }
}

fn rule_link(code: &str, name: &str) -> Markup {
    html! { a href=(rule_anchor(code)) { (name) } }
}

pub fn render(audit: &Audit) -> String {
    let summary = &audit.summary;
    let paths = audit.paths.join(" ");
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "loopguard audit · " (paths) " · " (audit.date) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.masthead {
                    div.wrap {
                        p.eyebrow { "loopguard audit" }
                        h1 { "Concurrency audit of " code { (paths) } }
                        dl.meta {
                            div { dt { "Date" } dd #audit-date { (audit.date) } }
                            div { dt { "Revision" } dd #audit-revision { code { (audit.revision_label()) } } }
                            div { dt { "Findings" } dd { (count(summary.findings)) } }
                            div { dt { "loopguard" } dd { (audit.tool.version) } }
                        }
                    }
                }
                main.wrap {
                    (totals(audit))
                    nav.toc {
                        a href="#summary" { "Summary" }
                        a href="#trend" { "Trend" }
                        a href="#hotspots" { "Hotspots" }
                        a href="#suppressions" { "Suppressions" }
                        a href="#findings" { "Findings" }
                        a href="#rules" { "Rules" }
                    }
                    (summary_section(audit))
                    (trend_section(audit))
                    (hotspots_section(audit))
                    (suppressions_section(audit))
                    (findings_section(audit))
                    (rules_section(audit))
                }
                footer.wrap {
                    "Generated by loopguard " (audit.tool.version) " on " (audit.date)
                    ". The machine-readable form of this report is the "
                    code { "--json" } " output (schema " code { (audit.schema) } ")."
                }
                script { (PreEscaped(SORT_SCRIPT)) }
            }
        }
    }
    .into_string()
}

fn totals(audit: &Audit) -> Markup {
    let summary = &audit.summary;
    let suppressions = &audit.suppressions;
    html! {
        section.totals #totals aria-label="Totals" {
            div.card #total-findings {
                span.number { (count(summary.findings)) }
                span.label { "findings" }
                @if let Some(trend) = &audit.trend {
                    span.sub { span.delta-new[trend.new > 0] { "+" (trend.new) " new" } " · " span.delta-fixed[trend.fixed > 0] { (trend.fixed) " fixed" } }
                }
            }
            div.card #total-files {
                span.number { (count(summary.files)) }
                span.label { "files scanned" }
            }
            div.card #total-lines {
                span.number { (count(summary.lines)) }
                span.label { "lines scanned" }
            }
            div.card #total-density {
                span.number { (format!("{:.2}", summary.density_per_kloc)) }
                span.label { "per 1,000 lines" }
            }
            div.card #total-suppressions {
                span.number { (count(suppressions.total)) }
                span.label { "suppressions" }
                @if suppressions.without_reason > 0 {
                    span.sub.alert { (suppressions.without_reason) " without a reason" }
                }
            }
            div.card #total-baseline {
                @match &audit.baseline {
                    Some(baseline) => {
                        span.number { (count(baseline.entries)) }
                        span.label { "baseline entries" }
                        span.sub { (baseline.stale) " fixed since recorded" }
                    }
                    None => {
                        span.number { "—" }
                        span.label { "no baseline" }
                    }
                }
            }
        }
    }
}

fn rules_by_findings(rules: &[RuleSummary]) -> Vec<&RuleSummary> {
    let mut sorted: Vec<&RuleSummary> = rules.iter().collect();
    sorted.sort_by(|a, b| {
        b.findings
            .cmp(&a.findings)
            .then_with(|| a.code.cmp(&b.code))
    });
    sorted
}

fn summary_section(audit: &Audit) -> Markup {
    let summary = &audit.summary;
    let category_bars: Vec<Bar> = summary
        .categories
        .iter()
        .map(|category| Bar {
            label: format!("{} · {}", category.category, category.title),
            value: category.findings,
            href: None,
        })
        .collect();
    html! {
        section #summary {
            h2 { "Summary" }
            div.grid {
                div {
                    h3 { "Findings by FM-043 category" }
                    div.panel #chart-categories { (svg::bars("Findings by FM-043 category", &category_bars, 620.0)) }
                }
                div {
                    h3 { "By severity" }
                    table #table-severities {
                        thead { tr { th { "Severity" } th.num { "Findings" } } }
                        tbody {
                            @for severity in &summary.severities {
                                tr { td { span.badge.(severity.severity) { (severity.severity) } } td.num { (count(severity.findings)) } }
                            }
                        }
                    }
                    h3 { "By language" }
                    table #table-languages {
                        thead { tr { th { "Language" } th.num { "Files" } th.num { "Lines" } th.num { "Findings" } th.num { "Per 1,000 lines" } } }
                        tbody {
                            @for language in &summary.languages {
                                tr {
                                    td { (language.language) }
                                    td.num { (count(language.files)) }
                                    td.num { (count(language.lines)) }
                                    td.num { (count(language.findings)) }
                                    td.num { (format!("{:.2}", super::density(language.findings, language.lines))) }
                                }
                            }
                        }
                    }
                }
            }
            h3 { "Findings by rule" }
            table.sortable #table-rules {
                thead { tr { th { "Code" } th { "Rule" } th { "FM-043 category" } th { "Severity" } th.num { "Findings" } th { "Enabled" } } }
                tbody {
                    @for rule in rules_by_findings(&summary.rules) {
                        tr {
                            td.mono { (rule.code) }
                            td { (rule_link(&rule.code, &rule.name)) }
                            td data-sort=(rule.category.map_or(9, u8::from)) { (category_label(rule.category)) }
                            td { span.badge.(rule.severity) { (rule.severity) } }
                            td.num { (count(rule.findings)) }
                            td { @if rule.enabled { "yes" } @else { span.note { "no (findings from a per-directory config)" } } }
                        }
                    }
                }
            }
        }
    }
}

fn trend_section(audit: &Audit) -> Markup {
    html! {
        section #trend {
            h2 { "Trend" }
            @match &audit.trend {
                None => {
                    p.note { "No earlier audit was given. Pass " code { "--previous OLD.json" }
                        " (an earlier audit's JSON, repeatable) or " code { "--compare <git-rev>" }
                        " to see findings over time and which are new, fixed or unchanged." }
                }
                Some(trend) => {
                    @let points: Vec<Point> = trend.points.iter().map(|point| Point {
                        label: point.date.clone(),
                        detail: point.revision.clone(),
                        value: point.findings,
                    }).collect();
                    div.grid {
                        div {
                            h3 { "Findings over time" }
                            div.panel #chart-trend { (svg::line("Findings over time", &points, 620.0)) }
                        }
                        div {
                            h3 { "Since " (trend.reference.label()) }
                            table #table-trend-totals {
                                tbody {
                                    tr { td { "New" } td.num.delta-new[trend.new > 0] { (count(trend.new)) } }
                                    tr { td { "Fixed" } td.num.delta-fixed[trend.fixed > 0] { (count(trend.fixed)) } }
                                    tr { td { "Unchanged" } td.num { (count(trend.unchanged)) } }
                                }
                            }
                            p.note { "Findings are matched by fingerprint (rule, file, the flagged line's text and the enclosing function), so code that only moved is unchanged." }
                        }
                    }
                    h3 { "Changes per rule" }
                    table.sortable #table-trend {
                        thead { tr { th { "Code" } th { "Rule" } th.num { "New" } th.num { "Fixed" } th.num { "Unchanged" } th.num { "Now" } } }
                        tbody {
                            @for change in &trend.changes {
                                tr {
                                    td.mono { (change.code) }
                                    td { (rule_link(&change.code, &change.name)) }
                                    td.num.delta-new[change.new > 0] { (count(change.new)) }
                                    td.num.delta-fixed[change.fixed > 0] { (count(change.fixed)) }
                                    td.num { (count(change.unchanged)) }
                                    td.num { (count(change.new + change.unchanged)) }
                                }
                            }
                        }
                    }
                    h3 { "Audits" }
                    table.sortable #table-trend-points {
                        thead { tr { th { "Date" } th { "Revision" } th.num { "Findings" } } }
                        tbody {
                            @for point in &trend.points {
                                tr { td { (point.date) } td.mono { (point.revision.as_deref().unwrap_or("—")) } td.num { (count(point.findings)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn hotspot_table(id: &str, first: &str, spots: &[Hotspot], with_files: bool) -> Markup {
    html! {
        table.sortable id=(id) {
            thead {
                tr {
                    th { (first) }
                    @if with_files { th.num { "Files" } }
                    th.num { "Lines" } th.num { "Findings" } th.num { "Per 1,000 lines" }
                }
            }
            tbody {
                @for spot in spots {
                    tr {
                        td.mono { (spot.path) }
                        @if with_files { td.num { (count(spot.files)) } }
                        td.num { (count(spot.lines)) }
                        td.num { (count(spot.findings)) }
                        td.num { (format!("{:.2}", super::density(spot.findings, spot.lines))) }
                    }
                }
            }
        }
    }
}

fn hotspots_section(audit: &Audit) -> Markup {
    let hotspots = &audit.hotspots;
    let file_bars: Vec<Bar> = hotspots
        .files
        .iter()
        .map(|spot| Bar {
            label: spot.path.clone(),
            value: spot.findings,
            href: None,
        })
        .collect();
    html! {
        section #hotspots {
            h2 { "Hotspots" }
            @if hotspots.files.is_empty() {
                p.note { "No findings, so no hotspots." }
            } @else {
                h3 { "Top files by findings" }
                div.panel #chart-files { (svg::bars("Top files by findings", &file_bars, 1080.0)) }
                h3 { "Files" }
                (hotspot_table("table-hotspot-files", "File", &hotspots.files, false))
                h3 { "Directories" }
                (hotspot_table("table-hotspot-directories", "Directory", &hotspots.directories, true))
            }
            @if !audit.root_causes.is_empty() {
                h3 { "Root causes of blocking chains (LG208)" }
                p.note { "Each blocking call below ends this many LG208 chains: one fix there fixes them all." }
                table.sortable #table-root-causes {
                    thead {
                        tr { th { "Blocking call" } th { "Rule" } th { "Where" } th.num { "Chains" } }
                    }
                    tbody {
                        @for cause in &audit.root_causes {
                            tr {
                                td.mono { (cause.call) }
                                td { (cause.code) }
                                td.mono { (format!("{}:{}:{}", cause.path, cause.line, cause.column)) }
                                td.num { (count(cause.chains)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn suppressions_section(audit: &Audit) -> Markup {
    let suppressions = &audit.suppressions;
    html! {
        section #suppressions {
            h2 { "Suppressions" }
            p {
                (plural(suppressions.total, "suppression comment", "suppression comments"))
                " (" code { "# noqa" } ", " code { "loopguard: allow(...)" } ", " code { "loopguard: allow-file(...)" } ")."
                @match &audit.baseline {
                    Some(baseline) => {
                        " Baseline " code { (baseline.path) } ": "
                        (plural(baseline.entries, "entry", "entries")) ", "
                        (count(baseline.matched)) " of this audit's findings recorded in it, "
                        (count(baseline.stale)) " fixed since it was recorded."
                    }
                    None => { " No baseline file is configured." }
                }
            }
            @if suppressions.without_reason > 0 {
                p.callout #missing-reasons {
                    strong { (plural(suppressions.without_reason, "suppression gives", "suppressions give")) " no reason." }
                    " Write why after " code { "--" } ": " code { "# loopguard: allow(LG201) -- warm-up runs before the server accepts traffic" } "."
                }
            }
            @if !suppressions.entries.is_empty() {
                table.sortable #table-suppressions {
                    thead { tr { th { "File" } th.num { "Line" } th { "Kind" } th { "Rules" } th { "Reason" } th { "Silences findings" } } }
                    tbody {
                        @for entry in &suppressions.entries {
                            tr {
                                td.mono { (entry.path) }
                                td.num { (entry.line) }
                                td.mono { (entry.kind) }
                                td {
                                    @match &entry.rules {
                                        None => { span.note { "all rules" } }
                                        Some(rules) => {
                                            @for (index, code) in rules.iter().enumerate() {
                                                @if index > 0 { ", " }
                                                @match Rule::from_code_or_name(code) {
                                                    Some(rule) => { (rule_link(code, rule.name())) }
                                                    None => { (code) }
                                                }
                                            }
                                            @for name in &entry.unknown {
                                                ", " span.missing title="not a loopguard rule" { (name) }
                                            }
                                        }
                                    }
                                }
                                td {
                                    @match &entry.reason {
                                        Some(reason) => { (reason) }
                                        None => { span.missing { "no reason given" } }
                                    }
                                }
                                td { @if entry.used { "yes" } @else { span.note { "no" } } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn findings_section(audit: &Audit) -> Markup {
    html! {
        section #findings {
            h2 { "Findings" }
            @if audit.findings.is_empty() {
                p { "No findings." }
            } @else {
                table.sortable #table-findings {
                    thead { tr { th { "File" } th.num { "Line" } th { "Rule" } th { "Severity" } th { "Message" } } }
                    tbody {
                        @for finding in &audit.findings {
                            tr {
                                td.mono { (finding.path) }
                                td.num { (finding.line) }
                                td.rule data-sort=(finding.code) { span.mono { (finding.code) } " " (rule_link(&finding.code, &finding.name)) }
                                td { span.badge.(finding.severity) { (finding.severity) } }
                                td { (message(&finding.message)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The rules to document: the ones this audit ran or found, and those the trend names.
fn documented_rules(audit: &Audit) -> Vec<(Rule, Option<&RuleSummary>)> {
    let changed = audit
        .trend
        .iter()
        .flat_map(|trend| trend.changes.iter().map(|change| change.code.as_str()));
    let mut rules: Vec<(Rule, Option<&RuleSummary>)> = Rule::ALL
        .iter()
        .copied()
        .filter_map(|rule| {
            let summary = audit
                .summary
                .rules
                .iter()
                .find(|summary| summary.code == rule.code());
            summary.map(|summary| (rule, Some(summary)))
        })
        .collect();
    for code in changed {
        match Rule::from_code_or_name(code) {
            Some(rule) if !rules.iter().any(|(known, _)| *known == rule) => {
                rules.push((rule, None));
            }
            _ => {}
        }
    }
    rules.sort_by_key(|(rule, _)| rule.code());
    rules
}

fn rules_section(audit: &Audit) -> Markup {
    let enabled = audit
        .summary
        .rules
        .iter()
        .filter(|rule| rule.enabled)
        .count();
    html! {
        section #rules {
            h2 { "Rules" }
            p.note { (plural(enabled, "rule was", "rules were")) " enabled for this audit. Their documentation follows." }
            @for (rule, summary) in documented_rules(audit) {
                article.rule-doc id=(format!("rule-{}", rule.code())) {
                    (rule_doc(rule.meta().doc))
                    p.note {
                        (category_label(rule.meta().fm043)) " · " (rule.meta().severity) " · "
                        @match summary {
                            Some(summary) => { (plural(summary.findings, "finding", "findings")) " in this audit" }
                            None => { "not enabled for this audit" }
                        }
                    }
                }
            }
        }
    }
}
