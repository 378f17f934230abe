"""The linked two-pane viewer: the film and its heatmap in one plotly figure, so zoom and pan move both.

Arrays in, a figure out (no Streamlit). The film is shown at its own resolution (up to VIEWER_MAX_SIDE), the
heatmap is resampled smoothly onto it by the browser (zsmooth), cold heat is transparent, hovering reads the
film's value and the heat, a colour bar gives the scale, and the lung outline is a smooth line, not pixels.
"""

from __future__ import annotations

import base64

import cv2
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from model import config
from model.overlay import COLORMAPS, FULL_OPACITY_AT, overlay_heatmap, smooth_mask

VIEWER_MAX_SIDE = 1024  # the film is sent at most this large: crisp when zoomed, light enough for the page
HOVER_SIDE = 96  # heat and pixel values for hovering, on a grid this fine
PANE_WIDTH_PX = 500  # a pane's width on a 1440-px screen (the viewer spans the page); sets the figure's height
OUTLINE_COLOUR = "#00e5ff"
# Window / level presets, in the display range of the loaded film (0 = its darkest, 1 = its brightest value).
WINDOW_PRESETS: dict[str, tuple[float, float]] = {
    "Full range": (0.5, 1.0),
    "Lung": (0.3, 0.55),
    "Soft tissue": (0.55, 0.5),
    "Bone": (0.75, 0.4),
}
VIEWER_CONFIG = {"scrollZoom": True, "displayModeBar": False, "doubleClick": "reset", "responsive": True}


def _png_uri(picture: np.ndarray) -> str:
    """A data URI of a film (H, W) in [0, 1] or an RGB picture (H, W, 3) uint8."""
    if picture.ndim == 2:
        picture = np.round(np.clip(picture, 0, 1) * 255).astype(np.uint8)
    else:
        picture = cv2.cvtColor(picture, cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".png", picture)
    return "data:image/png;base64," + base64.b64encode(data.tobytes()).decode()


def display_film(gray: np.ndarray, max_side: int = VIEWER_MAX_SIDE) -> np.ndarray:
    height, width = gray.shape
    scale = min(1.0, max_side / max(height, width))
    if scale == 1.0:
        return gray
    return cv2.resize(gray, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)


def heat_colourscale(colormap: str, opacity: float, steps: int = 16) -> list[list[object]]:
    """The overlay's colormap as a plotly colourscale whose alpha rises with the heat, as the PNG overlay does."""
    ramp = np.linspace(0, 1, steps)
    colours = cv2.applyColorMap(np.round(ramp * 255).astype(np.uint8)[:, None], COLORMAPS[colormap])[:, 0, ::-1]
    alphas = opacity * np.clip(ramp / FULL_OPACITY_AT, 0, 1)
    return [[float(v), f"rgba({r},{g},{b},{a:.3f})"] for v, (r, g, b), a in zip(ramp, colours, alphas)]


def smooth_outline(mask: np.ndarray, height: int, width: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Lung contours at the film's size from a mask resized smoothly (no stair steps), as (x, y) polylines."""
    contours, _ = cv2.findContours(smooth_mask(mask, height, width), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    lines = []
    for contour in contours:
        points = contour[:, 0, :].astype(float)
        points = np.vstack([points, points[:1]])
        lines.append((points[:, 0], points[:, 1]))
    return lines


# Radiologists' boxes: magenta, which neither the lung outline nor any colormap in the menu uses, and dashed.
BOX_COLOUR: str = "#ff2bd6"


def viewer_figure(
    shown: np.ndarray,
    raw: np.ndarray,
    heatmap: np.ndarray | None,
    title: str,
    colormap: str = config.DEFAULT_COLORMAP,
    opacity: float = config.DEFAULT_OVERLAY_OPACITY,
    lung_mask: np.ndarray | None = None,
    height: int | None = None,
    units: tuple[float, float] = (0.0, 1.0),
    panes: tuple[str, ...] = ("film", "heat"),
    pane_width_px: int = PANE_WIDTH_PX,
    boxes: list[tuple[float, float, float, float, str]] | None = None,
) -> go.Figure:
    """Panes of the same film sharing their axes, zooming or panning one moves the others: "film" is the X-ray
    alone, "heat" the X-ray with the heatmap over it (a phone shows one at a time).

    `shown` is the film after window/level and inversion (what is drawn); `raw` the film's own values (what
    hovering reads, reported in `units`: the file's own values at 0 and 1); `heatmap` any resolution in [0, 1];
    `boxes` radiologists' boxes as (x0, y0, x1, y1, finding) in the film's pixels, drawn on every pane.
    """
    film = display_film(shown)
    height_px, width_px = film.shape
    if height is None:  # as tall as the panes' width needs: no blank bands above and below
        height = int(np.clip(pane_width_px * height_px / width_px + 40, 240, 720))
    titles = tuple("X-ray" if pane == "film" else title for pane in panes)
    figure = make_subplots(
        rows=1, cols=len(panes), shared_xaxes=True, shared_yaxes=True, horizontal_spacing=0.01, subplot_titles=titles
    )
    # The heat pane is drawn here as one picture (the heatmap resampled smoothly onto the film, as the PNG
    # export does): a browser interpolating a heatmap trace at screen size cost more than the rest of the page.
    uris = {"film": _png_uri(film)}
    if "heat" in panes:
        uris["heat"] = (
            _png_uri(overlay_heatmap(film, heatmap, opacity, colormap)) if heatmap is not None else uris["film"]
        )
    columns = range(1, len(panes) + 1)
    for column, pane in zip(columns, panes):
        figure.add_trace(
            go.Image(source=uris[pane], x0=0, dx=1, y0=0, dy=1, hoverinfo="skip", name=pane), row=1, col=column
        )
    # Hover grid: film values (and heat) on a coarse grid spanning the film.
    grid_x = np.linspace(0, width_px - 1, HOVER_SIDE)
    grid_y = np.linspace(0, height_px - 1, HOVER_SIDE)
    pixel = cv2.resize(raw.astype(np.float32), (HOVER_SIDE, HOVER_SIDE), interpolation=cv2.INTER_AREA)
    pixel = units[0] + (units[1] - units[0]) * pixel
    value_format = ":.0f" if abs(units[1] - units[0]) >= 50 else ":.3f"
    transparent = [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]]
    film_column = panes.index("film") + 1 if "film" in panes else None
    heat_column = panes.index("heat") + 1 if "heat" in panes else None
    if film_column is not None:
        figure.add_trace(
            go.Heatmap(
                z=pixel,
                x=grid_x,
                y=grid_y,
                colorscale=transparent,
                showscale=False,
                name="film",
                hovertemplate="x %{x:.0f}, y %{y:.0f}<br>pixel %{z" + value_format + "}<extra></extra>",
            ),
            row=1,
            col=film_column,
        )
    if heatmap is not None and heat_column is not None:
        heat = cv2.resize(heatmap.astype(np.float32), (HOVER_SIDE, HOVER_SIDE), interpolation=cv2.INTER_LINEAR)
        figure.add_trace(  # invisible: it gives hovering the heat and pixel values, and the colour bar its scale
            go.Heatmap(
                z=heat,
                x=grid_x,
                y=grid_y,
                zmin=0,
                zmax=1,
                opacity=0.0,
                customdata=pixel,
                colorscale=heat_colourscale(colormap, 1.0),
                name="heat",
                colorbar=dict(title=dict(text="heat", side="right"), thickness=10, len=0.6, x=1.0),
                hovertemplate="x %{x:.0f}, y %{y:.0f}<br>heat %{z:.2f}<br>pixel %{customdata"
                + value_format
                + "}<extra></extra>",
            ),
            row=1,
            col=heat_column,
        )
    _outline_and_boxes(figure, columns, lung_mask, boxes, height_px, width_px)
    _link_panes(figure, len(panes), height_px, width_px, height, "viewer", right_margin=40)  # room for the colour bar
    figure.update_annotations(font_size=13)
    return figure


def _outline_and_boxes(
    figure: go.Figure,
    columns: range,
    lung_mask: np.ndarray | None,
    boxes: list[tuple[float, float, float, float, str]] | None,
    height_px: int,
    width_px: int,
) -> None:
    """The lung outline and the radiologists' boxes, drawn on every pane."""
    if lung_mask is not None:
        for xs, ys in smooth_outline(lung_mask, height_px, width_px):
            for column in columns:
                figure.add_trace(
                    go.Scatter(
                        x=xs,
                        y=ys,
                        mode="lines",
                        line=dict(color=OUTLINE_COLOUR, width=1.5),
                        hoverinfo="skip",
                        name="lung outline",
                        showlegend=False,
                    ),
                    row=1,
                    col=column,
                )
    for x0, y0, x1, y1, finding in boxes or []:
        for column in columns:
            figure.add_shape(
                type="rect",
                x0=x0,
                y0=y0,
                x1=x1,
                y1=y1,
                line=dict(color=BOX_COLOUR, width=2, dash="dash"),
                row=1,
                col=column,
            )
            figure.add_annotation(
                x=x0,
                y=y0,
                text=f"radiologist: {finding}",
                showarrow=False,
                xanchor="left",
                yanchor="bottom",
                font=dict(color=BOX_COLOUR, size=11),
                bgcolor="rgba(0,0,0,0.5)",
                row=1,
                col=column,
            )


def _link_panes(
    figure: go.Figure, count: int, height_px: int, width_px: int, height: int, revision: str, right_margin: int = 10
) -> None:
    """One view of the film in every pane: the others' axes follow the first's (zoom, pan, reset); the zoom is kept
    across reruns as long as `revision` stays the same."""
    linked = count > 1  # a lone pane has nothing to follow
    figure.update_xaxes(visible=False, range=[0, width_px], constrain="domain", matches="x" if linked else None)
    figure.update_yaxes(
        visible=False, range=[height_px, 0], scaleanchor="x", constrain="domain", matches="y" if linked else None
    )
    figure.update_layout(
        height=height,
        margin=dict(l=0, r=right_margin, t=30, b=0),
        dragmode="pan",
        showlegend=False,
        uirevision=revision,
    )


def models_figure(
    shown: np.ndarray,
    maps: list[tuple[str, np.ndarray | None]],
    colormap: str = config.DEFAULT_COLORMAP,
    opacity: float = config.DEFAULT_OVERLAY_OPACITY,
    lung_mask: np.ndarray | None = None,
    boxes: list[tuple[float, float, float, float, str]] | None = None,
    pane_width_px: int = PANE_WIDTH_PX,
) -> go.Figure:
    """One film through several models: a pane per (title, heatmap), all zooming and panning together."""
    film = display_film(shown)
    height_px, width_px = film.shape
    height = int(np.clip(pane_width_px * height_px / width_px + 40, 240, 760))
    figure = make_subplots(
        rows=1,
        cols=len(maps),
        shared_xaxes=True,
        shared_yaxes=True,
        horizontal_spacing=0.01,
        subplot_titles=[title for title, _ in maps],
    )
    columns = range(1, len(maps) + 1)
    for column, (title, heatmap) in zip(columns, maps):
        picture = overlay_heatmap(film, heatmap, opacity, colormap) if heatmap is not None else film
        figure.add_trace(
            go.Image(source=_png_uri(picture), x0=0, dx=1, y0=0, dy=1, hoverinfo="skip", name=title),
            row=1,
            col=column,
        )
    _outline_and_boxes(figure, columns, lung_mask, boxes, height_px, width_px)
    _link_panes(figure, len(maps), height_px, width_px, height, "compare-models")
    figure.update_annotations(font_size=12)
    return figure
