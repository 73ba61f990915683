//! JUnit XML, which every CI system can display: one test case per linted file, failing with
//! one line per finding.

use std::io::{self, Write};
use std::path::Path;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{display_path, Finding};
use crate::lint::FileReport;

pub fn render(
    findings: &[Finding],
    reports: &[FileReport],
    cwd: &Path,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut suite = TestSuite::new("loopguard");
    for report in reports {
        let path = display_path(&report.path, cwd);
        let in_file: Vec<&Finding> = findings
            .iter()
            .filter(|finding| finding.path == report.path.as_ref())
            .collect();
        let status = if in_file.is_empty() {
            TestCaseStatus::success()
        } else {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let lines: Vec<String> = in_file
                .iter()
                .map(|finding| {
                    let rule = finding.diagnostic.rule;
                    format!(
                        "{path}:{}:{}: {} [{}] {}",
                        finding.start.row,
                        finding.start.column,
                        rule.code(),
                        rule.name(),
                        finding.diagnostic.message
                    )
                })
                .collect();
            let noun = if in_file.len() == 1 {
                "problem"
            } else {
                "problems"
            };
            status
                .set_message(format!("{} {noun}", in_file.len()))
                .set_type("loopguard")
                .set_description(lines.join("\n"));
            status
        };
        let mut case = TestCase::new(path, status);
        case.set_classname("loopguard");
        suite.add_test_case(case);
    }
    let mut junit = Report::new("loopguard");
    junit.add_test_suite(suite);
    junit.serialize(&mut *out).map_err(io::Error::other)?;
    writeln!(out)
}
