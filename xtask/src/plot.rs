//! The growth plot of `cargo xtask bench`: throughput and peak RSS of `topt upload`, `topt
//! doctor` and `topt ci` against the number of payload files, from the figures `bench_upload`
//! writes (`target/bench/upload.json`). A PNG when a TrueType font is found (plotters draws text
//! with ab_glyph), else an SVG (whose text the viewer draws).

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;
use serde_json::Value;

use crate::Result;

/// Where the usual Linux and macOS installs keep a plain sans-serif font.
const FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
];

const SIZE: (u32, u32) = (1100, 460);

/// One measured tree: its file count and, per program, files/s and peak RSS in MB.
struct Row {
    files: f64,
    large: bool,
    label: String,
    /// (program, files/s, MB)
    figures: Vec<(&'static str, f64, f64)>,
}

const PROGRAMS: [(&str, RGBColor); 3] = [
    ("upload", RGBColor(31, 119, 180)),
    ("doctor", RGBColor(44, 160, 44)),
    ("ci", RGBColor(214, 39, 40)),
];

/// Renders `<dir>/growth.png` (or `.svg`) from `<dir>/upload.json`; returns the file written.
pub(crate) fn growth(dir: &Path) -> Result<PathBuf> {
    let text = std::fs::read_to_string(dir.join("upload.json"))
        .map_err(|e| format!("cannot read {}: {e}", dir.join("upload.json").display()))?;
    let figures: Value = serde_json::from_str(&text).map_err(|e| format!("upload.json: {e}"))?;
    let rows = rows(&figures)?;
    if rows.is_empty() {
        return Err("upload.json has no growth figures".into());
    }
    match font() {
        Some(font) => {
            plotters::style::register_font("sans-serif", FontStyle::Normal, font)
                .map_err(|_| "cannot load the font".to_string())?;
            let out = dir.join("growth.png");
            {
                let root = BitMapBackend::new(&out, SIZE).into_drawing_area();
                draw(&root, &rows)?;
                root.present()
                    .map_err(|e| format!("{}: {e}", out.display()))?;
            }
            Ok(out)
        }
        None => {
            let out = dir.join("growth.svg");
            {
                let root = SVGBackend::new(&out, SIZE).into_drawing_area();
                draw(&root, &rows)?;
                root.present()
                    .map_err(|e| format!("{}: {e}", out.display()))?;
            }
            Ok(out)
        }
    }
}

fn font() -> Option<&'static [u8]> {
    let bytes = FONTS.iter().find_map(|p| std::fs::read(p).ok())?;
    // Registered once for the life of this short process.
    Some(Box::leak(bytes.into_boxed_slice()))
}

fn rows(figures: &Value) -> Result<Vec<Row>> {
    let Some(growth) = figures.get("growth").and_then(Value::as_array) else {
        return Err("upload.json has no growth array".into());
    };
    growth
        .iter()
        .map(|g| {
            let files = g.get("files").and_then(Value::as_f64).ok_or("files")?;
            let mut out = Vec::new();
            for (name, _) in PROGRAMS {
                let p = g.get(name).ok_or(name)?;
                let wall = p.get("wall_s").and_then(Value::as_f64).ok_or("wall_s")?;
                let rss = p.get("rss_kib").and_then(Value::as_f64).ok_or("rss_kib")?;
                out.push((name, files / wall.max(1e-9), rss / 1024.0));
            }
            Ok(Row {
                files,
                large: g
                    .get("large_payloads")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                label: g
                    .get("label")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                figures: out,
            })
        })
        .collect::<std::result::Result<_, &str>>()
        .map_err(|k| format!("upload.json: a growth row lacks {k}"))
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, rows: &[Row]) -> Result
where
    DB::ErrorType: 'static,
{
    let fail = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("drawing the plot: {e}");
    root.fill(&WHITE).map_err(fail)?;
    let (left, right) = root.split_horizontally(SIZE.0 / 2);
    let small: Vec<&Row> = rows.iter().filter(|r| !r.large).collect();
    let large: Vec<&Row> = rows.iter().filter(|r| r.large).collect();
    let x_max = rows.iter().map(|r| r.files).fold(1.0, f64::max) * 2.0;
    let x_min = rows.iter().map(|r| r.files).fold(f64::MAX, f64::min) / 2.0;
    let large_label = large
        .first()
        .map(|r| format!("{} (1 MB payloads)", r.label));
    panel(
        &left,
        "throughput (files/s, log scale)",
        (x_min, x_max),
        &small,
        &large,
        large_label.as_deref(),
        |f| f.1,
        true,
    )?;
    panel(
        &right,
        "peak RSS (MB, wait4)",
        (x_min, x_max),
        &small,
        &large,
        large_label.as_deref(),
        |f| f.2,
        false,
    )
}

#[allow(clippy::too_many_arguments)]
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    (x_min, x_max): (f64, f64),
    small: &[&Row],
    large: &[&Row],
    large_label: Option<&str>,
    value: impl Fn(&(&'static str, f64, f64)) -> f64,
    log_y: bool,
) -> Result
where
    DB::ErrorType: 'static,
{
    let fail = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("drawing the plot: {e}");
    let all: Vec<f64> = small
        .iter()
        .chain(large)
        .flat_map(|r| r.figures.iter().map(&value))
        .collect();
    // Headroom above the data for the legend.
    let y_max = all.iter().copied().fold(1.0, f64::max) * if log_y { 40.0 } else { 1.8 };
    let y_min = if log_y {
        all.iter().copied().fold(f64::MAX, f64::min) / 3.0
    } else {
        0.0
    };
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60);
    let x = (x_min..x_max).log_scale();
    if log_y {
        let c = builder
            .build_cartesian_2d(x, (y_min..y_max).log_scale())
            .map_err(fail)?;
        chart(c, small, large, large_label, &value, (x_min, y_min))
    } else {
        let c = builder.build_cartesian_2d(x, y_min..y_max).map_err(fail)?;
        chart(c, small, large, large_label, &value, (x_min, y_min))
    }
}

/// The grid, the three programs' lines (and the large-payload tree's open circles) and the
/// legend, on a linear or a logarithmic y axis.
fn chart<'a, DB: DrawingBackend + 'a, Y: Ranged<ValueType = f64> + ValueFormatter<f64>>(
    mut chart: ChartContext<'a, DB, Cartesian2d<LogCoord<f64>, Y>>,
    small: &[&Row],
    large: &[&Row],
    large_label: Option<&str>,
    value: &dyn Fn(&(&'static str, f64, f64)) -> f64,
    corner: (f64, f64),
) -> Result
where
    DB::ErrorType: 'static,
{
    let fail = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("drawing the plot: {e}");
    chart
        .configure_mesh()
        .x_desc("payload files (log scale)")
        .x_label_formatter(&|v| short(*v))
        .y_label_formatter(&|v| short(*v))
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(fail)?;
    for (name, color) in PROGRAMS {
        let at = |r: &&Row| {
            let f = r.figures.iter().find(|f| f.0 == name)?;
            Some((r.files, value(f)))
        };
        let line: Vec<(f64, f64)> = small.iter().filter_map(at).collect();
        chart
            .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
            .map_err(fail)?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart
            .draw_series(line.iter().map(|&p| Circle::new(p, 4, color.filled())))
            .map_err(fail)?;
        let big: Vec<(f64, f64)> = large.iter().filter_map(at).collect();
        chart
            .draw_series(
                big.iter()
                    .map(|&p| Circle::new(p, 7, color.stroke_width(2))),
            )
            .map_err(fail)?;
    }
    if let Some(l) = large_label {
        // An invisible point, only to put the open circles in the legend.
        chart
            .draw_series(std::iter::once(Circle::new(corner, 0, WHITE)))
            .map_err(fail)?
            .label(format!("open circles: {l}"))
            .legend(|(x, y)| Circle::new((x + 10, y), 6, BLACK.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(fail)
}

/// Axis labels: `500`, `2.5`, `10k`, `100k`, `1.2M`.
fn short(v: f64) -> String {
    let trim = |x: f64| {
        let t = format!("{x:.1}");
        t.strip_suffix(".0").map_or(t.clone(), str::to_string)
    };
    if v >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if v >= 1e3 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}
