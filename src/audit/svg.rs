//! Inline SVG charts for the HTML report: horizontal bars and a line over time. Text goes
//! through maud, so labels are escaped like everything else.

use maud::{html, Markup};

pub struct Bar {
    pub label: String,
    pub value: usize,
    /// A link for the label (a section of the report).
    pub href: Option<String>,
}

const LABEL_WIDTH: f64 = 290.0;
const VALUE_WIDTH: f64 = 56.0;
const ROW_HEIGHT: f64 = 26.0;
/// Characters that fit in the label column.
const LABEL_CHARS: usize = 44;

/// Long labels (paths) keep their end, which names the file.
fn fit(label: &str) -> String {
    let count = label.chars().count();
    if count <= LABEL_CHARS {
        return label.to_string();
    }
    let tail: String = label.chars().skip(count - (LABEL_CHARS - 1)).collect();
    format!("…{tail}")
}

/// One bar per item, longest bar = largest value; zero values keep their row. `width` is the
/// drawing's natural width in CSS pixels (it shrinks, never grows, to fit its container).
pub fn bars(title: &str, bars: &[Bar], width: f64) -> Markup {
    let max = bars.iter().map(|bar| bar.value).max().unwrap_or(0).max(1) as f64;
    let span = width - LABEL_WIDTH - VALUE_WIDTH;
    let height = ROW_HEIGHT * bars.len() as f64 + 8.0;
    html! {
        svg.chart.bars xmlns="http://www.w3.org/2000/svg" width=(width) height=(height)
            viewBox={ "0 0 " (width) " " (height) }
            role="img" aria-label=(title) {
            title { (title) }
            @for (index, bar) in bars.iter().enumerate() {
                @let y = 4.0 + ROW_HEIGHT * index as f64;
                @let length = (bar.value as f64 / max * span).max(if bar.value > 0 { 2.0 } else { 0.0 });
                g {
                    title { (bar.label) ": " (bar.value) }
                    @match &bar.href {
                        Some(href) => {
                            a href=(href) {
                                text.label x=(LABEL_WIDTH - 10.0) y=(y + 17.0) text-anchor="end" { (fit(&bar.label)) }
                            }
                        }
                        None => {
                            text.label x=(LABEL_WIDTH - 10.0) y=(y + 17.0) text-anchor="end" { (fit(&bar.label)) }
                        }
                    }
                    rect.track x=(LABEL_WIDTH) y=(y + 4.0) width=(span) height="16" rx="3" {}
                    rect.bar x=(LABEL_WIDTH) y=(y + 4.0) width=(format!("{length:.1}")) height="16" rx="3" {}
                    text.value x=(format!("{:.1}", LABEL_WIDTH + length + 8.0)) y=(y + 17.0) { (bar.value) }
                }
            }
        }
    }
}

pub struct Point {
    /// The x-axis label (a date).
    pub label: String,
    /// A second, smaller x-axis line (a revision).
    pub detail: Option<String>,
    pub value: usize,
}

/// A round upper bound for the y axis, so that its four gridlines get whole, round labels.
fn axis_max(max: usize) -> usize {
    let quarter = max.div_ceil(4).max(1);
    let magnitude = 10usize.pow(quarter.ilog10());
    let step = [1, 2, 3, 4, 5, 6, 8, 10]
        .into_iter()
        .map(|factor| factor * magnitude)
        .find(|step| *step >= quarter)
        .unwrap_or(10 * magnitude);
    step * 4
}

pub fn line(title: &str, points: &[Point], width: f64) -> Markup {
    const HEIGHT: f64 = 280.0;
    const LEFT: f64 = 56.0;
    const RIGHT: f64 = 16.0;
    const TOP: f64 = 24.0;
    const BOTTOM: f64 = 56.0;
    let top_value = axis_max(points.iter().map(|point| point.value).max().unwrap_or(0));
    let plot_width = width - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    // Points stay clear of the plot's edges, so that the dates under them fit.
    const INSET: f64 = 44.0;
    let x = |index: usize| {
        if points.len() < 2 {
            LEFT + plot_width / 2.0
        } else {
            LEFT + INSET + (plot_width - 2.0 * INSET) * index as f64 / (points.len() - 1) as f64
        }
    };
    let y = |value: usize| TOP + plot_height * (1.0 - value as f64 / top_value as f64);
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(index, point)| format!("{:.1},{:.1}", x(index), y(point.value)))
        .collect();
    html! {
        svg.chart.trend xmlns="http://www.w3.org/2000/svg" width=(width) height=(HEIGHT)
            viewBox={ "0 0 " (width) " " (HEIGHT) }
            role="img" aria-label=(title) {
            title { (title) }
            @for quarter in 0..=4usize {
                @let value = top_value * quarter / 4;
                line.grid x1=(LEFT) x2=(width - RIGHT) y1=(format!("{:.1}", y(value))) y2=(format!("{:.1}", y(value))) {}
                text.axis x=(LEFT - 8.0) y=(format!("{:.1}", y(value) + 4.0)) text-anchor="end" { (value) }
            }
            polyline.series points=(path.join(" ")) {}
            @for (index, point) in points.iter().enumerate() {
                g {
                    title { (point.label) ": " (point.value) " findings" }
                    circle.dot cx=(format!("{:.1}", x(index))) cy=(format!("{:.1}", y(point.value))) r="5" {}
                    text.value x=(format!("{:.1}", x(index))) y=(format!("{:.1}", y(point.value) - 11.0)) text-anchor="middle" { (point.value) }
                    text.axis x=(format!("{:.1}", x(index))) y=(HEIGHT - BOTTOM + 22.0) text-anchor="middle" { (point.label) }
                    @if let Some(detail) = &point.detail {
                        text.axis.detail x=(format!("{:.1}", x(index))) y=(HEIGHT - BOTTOM + 40.0) text-anchor="middle" { (detail) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_ends_on_a_multiple_of_four_at_or_above_the_maximum() {
        for max in [0, 1, 3, 4, 7, 10, 13, 99, 101, 1234] {
            let top = axis_max(max);
            assert!(top >= max && top.is_multiple_of(4), "{max} -> {top}");
        }
    }

    #[test]
    fn long_labels_keep_their_end() {
        let label = format!("{}/handlers.py", "deeply/nested".repeat(6));
        let fitted = fit(&label);
        assert!(fitted.starts_with('…') && fitted.ends_with("/handlers.py"));
        assert_eq!(fitted.chars().count(), LABEL_CHARS);
    }
}
