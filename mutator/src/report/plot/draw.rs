//! Drawing a [`super::layout::Layout`] with plotters: the two panels, their legends in
//! a strip to the right (so they never cover data), and the note of an empty run.

use super::layout::*;
use super::*;

/// What a legend entry's swatch looks like.
enum Swatch {
    Area(RGBColor),
    Line(ShapeStyle),
    Tick(RGBColor, u32),
    Dot(RGBColor, u32),
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    top: i32,
    entries: &[(Swatch, &str)],
) -> Result<(), PlotError> {
    let row = 22;
    let (x0, y0) = (12, top);
    let height = row * entries.len() as i32 + 10;
    area.draw(&Rectangle::new(
        [
            (x0 - 6, y0 - 6),
            (LEGEND_WIDTH as i32 - 12, y0 + height - 6),
        ],
        ShapeStyle::from(&GRID).stroke_width(1),
    ))
    .map_err(draw_err)?;
    for (i, (swatch, label)) in entries.iter().enumerate() {
        let cy = y0 + 8 + row * i as i32;
        let (sx0, sx1) = (x0, x0 + 22);
        match *swatch {
            Swatch::Area(c) => {
                area.draw(&Rectangle::new([(sx0, cy - 6), (sx1, cy + 6)], c.filled()))
            }
            Swatch::Line(style) => area.draw(&PathElement::new(vec![(sx0, cy), (sx1, cy)], style)),
            Swatch::Tick(c, w) => area.draw(&PathElement::new(
                vec![(sx0 + 11, cy - 7), (sx0 + 11, cy + 7)],
                c.stroke_width(w),
            )),
            Swatch::Dot(c, r) => area.draw(&Circle::new((sx0 + 11, cy), r, c.filled())),
        }
        .map_err(draw_err)?;
        area.draw(&Text::new(
            *label,
            (sx1 + 8, cy),
            (FONT, 16)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

/// Margins of each panel's chart; the legend strip aligns with the plot's top edge.
const PANEL_MARGIN: u32 = 12;
const X_LABEL_AREA: u32 = 44;
const Y_LABEL_AREA: u32 = 72;
const X_TICKS: usize = 10;

pub(super) fn draw_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    layout: &Layout,
    ranges: Ranges,
    title: &str,
) -> Result<(), PlotError> {
    let (_, height) = area.dim_in_pixel();
    let (header, body) = area.split_vertically(64);
    header
        .draw(&Text::new(
            title,
            (20, 12),
            (FONT, 28).into_font().style(FontStyle::Bold).color(&BLACK),
        ))
        .map_err(draw_err)?;
    header
        .draw(&Text::new(
            layout.summary.as_str(),
            (20, 42),
            (FONT, 17).into_font().color(&NOTE),
        ))
        .map_err(draw_err)?;

    let top_height = (height - 64) * 60 / 100;
    let (top, bottom) = body.split_vertically(top_height);
    let (top_plot, top_legend) = top.split_horizontally(CHART_WIDTH - LEGEND_WIDTH);
    let (bottom_plot, bottom_legend) = bottom.split_horizontally(CHART_WIDTH - LEGEND_WIDTH);

    draw_heap_panel(&top_plot, layout, ranges)?;
    // Top of the stack first, as the areas read from the top down.
    let styles: Vec<(RGBColor, String)> = (0..layout.spaces.len())
        .rev()
        .map(|i| space_style(&layout.spaces[i], i))
        .collect();
    let mut entries: Vec<(Swatch, &str)> = styles
        .iter()
        .map(|(c, label)| (Swatch::Area(*c), label.as_str()))
        .collect();
    entries.extend([
        (Swatch::Tick(MINOR, 2), "minor GC (Scavenge)"),
        (Swatch::Tick(MAJOR, 2), "major GC (Mark-Sweep)"),
        (Swatch::Dot(MAJOR, 4), "heap after major GC"),
    ]);
    draw_legend(&top_legend, PANEL_MARGIN as i32 + 4, &entries)?;

    draw_pause_panel(&bottom_plot, layout, ranges)?;
    draw_legend(
        &bottom_legend,
        PANEL_MARGIN as i32 + 4,
        &if layout.pause_dots {
            [
                (Swatch::Dot(MINOR, 2), "minor GC pause"),
                (Swatch::Dot(MAJOR, 3), "major GC pause"),
                (Swatch::Dot(SLICE, 2), "incremental marking step"),
            ]
        } else {
            [
                (Swatch::Line(MINOR.stroke_width(2)), "minor GC pause"),
                (Swatch::Line(MAJOR.stroke_width(3)), "major GC pause"),
                (
                    Swatch::Line(SLICE.stroke_width(2)),
                    "incremental marking step",
                ),
            ]
        },
    )?;
    Ok(())
}

/// Draws "no collections recorded" in the middle of an empty panel.
fn draw_empty_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    centre: (i32, i32),
) -> Result<(), PlotError> {
    area.draw(&Text::new(
        "no collections recorded",
        centre,
        (FONT, 20)
            .into_font()
            .color(&NOTE)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(draw_err)?;
    Ok(())
}

fn draw_heap_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    layout: &Layout,
    ranges: Ranges,
) -> Result<(), PlotError> {
    let mut chart = ChartBuilder::on(area)
        .margin(PANEL_MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(0.0..ranges.x, 0.0..ranges.heap)
        .map_err(draw_err)?;
    let x_fmt = tick_label(ranges.x, X_TICKS);
    let y_fmt = tick_label(ranges.heap, 6);
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .max_light_lines(0)
        .x_labels(X_TICKS)
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc("allocated since heap creation (MB)")
        .y_desc("heap occupancy (MB)")
        .axis_desc_style((FONT, 17))
        .label_style((FONT, 15))
        .draw()
        .map_err(draw_err)?;

    // Stacked areas: draw each cumulative top, from the whole heap down, over the last.
    for level in (0..layout.spaces.len()).rev() {
        let (color, _) = space_style(&layout.spaces[level], level);
        // The sawtooth's outline, unless it is too dense to read and would only darken the fill.
        let border = if level + 1 == layout.spaces.len() && !layout.decimated {
            OUTLINE.stroke_width(1)
        } else {
            color.stroke_width(1)
        };
        let top = layout.occupancy.iter().map(|s| (s.x, s.top(level)));
        chart
            .draw_series(AreaSeries::new(top, 0.0, color).border_style(border))
            .map_err(draw_err)?;
    }

    // Each collection's mark: a tick hanging from the top edge, in the headroom above the
    // highest occupancy, so markers never hide the areas however dense they get.
    let rug = |x: f64, depth: f64, style: ShapeStyle| {
        PathElement::new(
            vec![(x, ranges.heap), (x, ranges.heap * (1.0 - depth))],
            style,
        )
    };
    chart
        .draw_series(
            layout
                .minor_x
                .iter()
                .map(|&x| rug(x, 0.025, MINOR.stroke_width(1))),
        )
        .map_err(draw_err)?;
    chart
        .draw_series(
            layout
                .major_after
                .iter()
                .map(|&(x, _)| rug(x, 0.05, MAJOR.stroke_width(2))),
        )
        .map_err(draw_err)?;

    // The occupancy each major collection left behind, joined up: the leak verdict's measure.
    chart
        .draw_series(LineSeries::new(
            layout.major_after.iter().copied(),
            MAJOR.stroke_width(2),
        ))
        .map_err(draw_err)?;
    chart
        .draw_series(
            layout
                .major_after
                .iter()
                .map(|&p| Circle::new(p, 3, MAJOR.filled())),
        )
        .map_err(draw_err)?;

    if layout.occupancy.is_empty() {
        let (w, h) = chart.plotting_area().dim_in_pixel();
        draw_empty_note(
            &chart.plotting_area().strip_coord_spec(),
            (w as i32 / 2, h as i32 / 2),
        )?;
    }
    Ok(())
}

fn draw_pause_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    layout: &Layout,
    ranges: Ranges,
) -> Result<(), PlotError> {
    let mut chart = ChartBuilder::on(area)
        .margin(PANEL_MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(0.0..ranges.x, 0.0..ranges.pause)
        .map_err(draw_err)?;
    let x_fmt = tick_label(ranges.x, X_TICKS);
    let y_fmt = tick_label(ranges.pause, 5);
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .max_light_lines(0)
        .x_labels(X_TICKS)
        .y_labels(5)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc("allocated since heap creation (MB)")
        .y_desc("pause (ms)")
        .axis_desc_style((FONT, 17))
        .label_style((FONT, 15))
        .draw()
        .map_err(draw_err)?;

    if layout.pause_dots {
        let dots = |points: &[(f64, f64)], radius: u32, color: RGBColor| {
            points
                .iter()
                .map(move |&p| Circle::new(p, radius, color.filled()))
                .collect::<Vec<_>>()
        };
        chart
            .draw_series(dots(&layout.minor_pauses, 2, MINOR))
            .map_err(draw_err)?;
        chart
            .draw_series(dots(&layout.major_pauses, 3, MAJOR))
            .map_err(draw_err)?;
        chart
            .draw_series(dots(&layout.slice_pauses, 2, SLICE))
            .map_err(draw_err)?;
    } else {
        let bars = |points: &[(f64, f64)], style: ShapeStyle| {
            points
                .iter()
                .map(move |&(x, p)| PathElement::new(vec![(x, 0.0), (x, p)], style))
                .collect::<Vec<_>>()
        };
        chart
            .draw_series(bars(&layout.minor_pauses, MINOR.stroke_width(2)))
            .map_err(draw_err)?;
        chart
            .draw_series(bars(&layout.major_pauses, MAJOR.stroke_width(3)))
            .map_err(draw_err)?;
        chart
            .draw_series(bars(&layout.slice_pauses, SLICE.stroke_width(2)))
            .map_err(draw_err)?;
    }

    if layout.occupancy.is_empty() {
        let (w, h) = chart.plotting_area().dim_in_pixel();
        draw_empty_note(
            &chart.plotting_area().strip_coord_spec(),
            (w as i32 / 2, h as i32 / 2),
        )?;
    }
    Ok(())
}
