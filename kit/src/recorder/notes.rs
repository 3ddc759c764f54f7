//! How an event's words become a [`NoteId`] in the run's table, cheaply
//! enough to do at every event.
//!
//! A demo says why in one of three ways ([`NoteText`]): fixed words (a
//! string literal), words built at run time (`format!`), or a note it
//! formatted once and keeps for many tasks ([`Recorder::keep_note`]). A
//! literal is found by its address, a kept note carries its id, and only
//! built words are compared as text.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Recorder, State};
use crate::event::NoteId;
use crate::text::sanitize;

/// What an event says. Every recording call takes `impl Into<NoteText>`:
/// a `&'static str`, a `String`, a `Cow` or a [`KeptNote`].
pub enum NoteText {
    Words(Cow<'static, str>),
    Kept(KeptNote),
}

impl From<&'static str> for NoteText {
    fn from(words: &'static str) -> Self {
        NoteText::Words(Cow::Borrowed(words))
    }
}

impl From<String> for NoteText {
    fn from(words: String) -> Self {
        NoteText::Words(Cow::Owned(words))
    }
}

impl From<Cow<'static, str>> for NoteText {
    fn from(words: Cow<'static, str>) -> Self {
        NoteText::Words(words)
    }
}

impl From<KeptNote> for NoteText {
    fn from(kept: KeptNote) -> Self {
        NoteText::Kept(kept)
    }
}

/// A note already in one recorder's table: copied into every task that
/// says it, and recorded without formatting or comparing its words again.
#[derive(Clone, Copy, Debug)]
pub struct KeptNote {
    id: NoteId,
    /// Which recorder's table `id` indexes.
    recorder: u64,
}

/// Each recorder's number, so a kept note is only read from its own table.
pub(super) fn next_serial() -> u64 {
    static SERIAL: AtomicU64 = AtomicU64::new(1);
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

impl Recorder {
    /// Puts `words` in the run's table once, for many events to say:
    /// `let filtered = rec.keep_note(format!("no answer in {ms}ms"));`
    /// then `task.timed_out(filtered)` in every task, with no `format!`
    /// per task.
    pub fn keep_note(&self, words: impl Into<String>) -> KeptNote {
        let words = words.into();
        let id = self.state().notes.intern(&sanitize(&words, false));
        KeptNote {
            id,
            recorder: self.inner.serial,
        }
    }
}

impl State {
    /// The note for `text`: a fixed annotation is looked up by its address;
    /// text built at run time may carry outside words (a banner, a URL)
    /// and is escaped now, so no renderer has to.
    #[inline]
    pub(super) fn note(&mut self, text: NoteText, recorder: u64) -> NoteId {
        match text {
            // The common case, found in a few instructions.
            NoteText::Words(Cow::Borrowed(fixed)) => match self.fixed_notes.get(fixed) {
                Some(id) => id,
                None => self.new_fixed_note(fixed),
            },
            NoteText::Kept(kept) if kept.recorder == recorder => kept.id,
            NoteText::Kept(_) => self.new_fixed_note("(a note kept by another run)"),
            NoteText::Words(Cow::Owned(built)) => self.built_note(built),
        }
    }

    #[cold]
    fn new_fixed_note(&mut self, fixed: &'static str) -> NoteId {
        let id = self.notes.intern(&sanitize(fixed, false));
        self.fixed_notes.insert(fixed, id);
        id
    }

    fn built_note(&mut self, built: String) -> NoteId {
        match &self.last_built {
            Some((last, id)) if *last == built => *id,
            _ => {
                let id = self.notes.intern(&sanitize(&built, false));
                self.last_built = Some((built, id));
                id
            }
        }
    }
}

/// Fixed annotations' ids, found by the address of their text in a small
/// direct-mapped table: a lookup is a multiply and a compare, not a hash of
/// the words. Two texts that share a slot take turns; the one pushed out is
/// found again in the run's table by its words.
pub(super) struct FixedNotes([(usize, usize, NoteId); FixedNotes::SLOTS]);

impl FixedNotes {
    const SLOTS: usize = 64;

    #[inline]
    fn slot(text: &'static str) -> usize {
        let address = text.as_ptr() as usize as u64;
        // Fibonacci hashing: the top bits of the product pick the slot.
        (address.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) as usize
    }

    #[inline]
    fn get(&self, text: &'static str) -> Option<NoteId> {
        let (address, len, id) = self.0[Self::slot(text)];
        (address == text.as_ptr() as usize && len == text.len()).then_some(id)
    }

    fn insert(&mut self, text: &'static str, id: NoteId) {
        self.0[Self::slot(text)] = (text.as_ptr() as usize, text.len(), id);
    }
}

impl Default for FixedNotes {
    fn default() -> Self {
        // Address 0 is no text's: every slot starts empty.
        FixedNotes([(0, 0, NoteId::EMPTY); FixedNotes::SLOTS])
    }
}
