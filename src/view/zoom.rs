//! Zooming into a drawing: which part of it is on screen. A phone shows
//! the whole topology to fit its width and lets the learner pinch into it
//! (the playground's `ui::zoom` turns fingers into these moves).

pub const MAX_ZOOM: f64 = 4.0;

/// The part of the drawing on screen: a zoom factor (1 = all of it) and the
/// top-left corner, in drawing units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub zoom: f64,
    pub x: f64,
    pub y: f64,
}

impl Default for View {
    fn default() -> View {
        View { zoom: 1.0, x: 0.0, y: 0.0 }
    }
}

impl View {
    /// The SVG `viewBox` of a drawing `w` × `h` seen through this view.
    pub fn view_box(&self, w: f64, h: f64) -> String {
        format!("{:.1} {:.1} {:.1} {:.1}", self.x, self.y, w / self.zoom, h / self.zoom)
    }

    /// Zoomed by `factor` around the point (`cx`, `cy`) of the screen, as
    /// fractions of its width and height; kept inside the drawing.
    pub fn zoomed(self, factor: f64, (cx, cy): (f64, f64), (w, h): (f64, f64)) -> View {
        let zoom = (self.zoom * factor).clamp(1.0, MAX_ZOOM);
        let (fx, fy) = (self.x + cx * w / self.zoom, self.y + cy * h / self.zoom);
        View { zoom, x: fx - cx * w / zoom, y: fy - cy * h / zoom }.clamped((w, h))
    }

    /// Moved by (`dx`, `dy`) drawing units, kept inside the drawing.
    pub fn moved(self, dx: f64, dy: f64, size: (f64, f64)) -> View {
        View { x: self.x + dx, y: self.y + dy, ..self }.clamped(size)
    }

    fn clamped(self, (w, h): (f64, f64)) -> View {
        let (vw, vh) = (w / self.zoom, h / self.zoom);
        View { x: self.x.clamp(0.0, (w - vw).max(0.0)), y: self.y.clamp(0.0, (h - vh).max(0.0)), ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: (f64, f64) = (600.0, 400.0);

    #[test]
    fn a_pinch_zooms_around_the_fingers_and_stays_inside_the_drawing() {
        let fit = View::default();
        assert_eq!(fit.view_box(600.0, 400.0), "0.0 0.0 600.0 400.0");
        // Twice as large around the screen's centre: the middle quarter.
        let z = fit.zoomed(2.0, (0.5, 0.5), SIZE);
        assert_eq!(z.view_box(600.0, 400.0), "150.0 100.0 300.0 200.0");
        // Around the top-left corner, the corner stays put.
        assert_eq!(fit.zoomed(2.0, (0.0, 0.0), SIZE).view_box(600.0, 400.0), "0.0 0.0 300.0 200.0");
        // Never beyond MAX_ZOOM, never below the whole drawing.
        assert_eq!(fit.zoomed(100.0, (0.5, 0.5), SIZE).zoom, MAX_ZOOM);
        assert_eq!(z.zoomed(0.1, (0.5, 0.5), SIZE), View { zoom: 1.0, x: 0.0, y: 0.0 });
        // A move stops at the drawing's edge.
        assert_eq!(z.moved(1000.0, -1000.0, SIZE).view_box(600.0, 400.0), "300.0 0.0 300.0 200.0");
    }
}
