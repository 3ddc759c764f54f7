//! Colour, once: every piece of output that may be coloured (the renderer,
//! the session's messages, `check`'s verdicts) asks a [`Style`], which
//! paints only when colour is on (a terminal, no `NO_COLOR`).

use colored::{Color, Colorize};

/// Whether to colour, and how.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn paint(self, text: &str, color: Color) -> String {
        if self.color {
            text.color(color).to_string()
        } else {
            text.to_string()
        }
    }

    pub fn dim(self, text: &str) -> String {
        if self.color {
            text.dimmed().to_string()
        } else {
            text.to_string()
        }
    }

    pub fn bold(self, text: &str) -> String {
        if self.color {
            text.bold().to_string()
        } else {
            text.to_string()
        }
    }

    /// Green when `good`, red otherwise: a check's verdict.
    pub fn verdict(self, text: &str, good: bool) -> String {
        self.paint(text, if good { Color::Green } else { Color::Red })
    }
}
