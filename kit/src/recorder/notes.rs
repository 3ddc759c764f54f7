//! How an event's words become a [`NoteId`] in the run's table, cheaply
//! enough to do at every event.
//!
//! A demo says why in one of three ways ([`NoteText`]): fixed words (a
//! string literal), words built at run time (`format!`), or a note it
//! formatted once and keeps for many tasks ([`Recorder::keep_note`]). A
//! literal is found by its address, a kept note carries its id, and only
//! built words are compared as text. Words from outside (a banner, a URL)
//! are escaped as they enter the table, so no renderer has to.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, Ordering};

use super::{Recorder, State};
use crate::event::NoteId;
use crate::text::sanitize;

/// What an event says. Every recording call ([`TaskRec`](super::TaskRec)'s,
/// [`PlannedLanes::waiting_from`](super::PlannedLanes::waiting_from)) takes
/// `impl Into<NoteText>`: a `&'static str`, a `String`, a `Cow` or a
/// [`KeptNote`].
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
    /// Which recorder's table `id` indexes. (Eight bytes in all: every
    /// task of a scan carries one.)
    recorder: u32,
}

/// Each recorder's number, so a kept note is only read from its own
/// table. (It would take four billion recorders in one process to meet a
/// number again.)
pub(super) fn next_serial() -> u32 {
    static SERIAL: AtomicU32 = AtomicU32::new(1);
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

impl Recorder {
    /// Puts `words` in the run's table once, for many events to say:
    /// `let filtered = rec.keep_note(format!("no answer in {ms}ms"));`
    /// then `task.timed_out(filtered)` in every task, with no `format!`
    /// per task. (Kept notes are outside the bound of one new note per
    /// event: a demo keeps a handful. A closed recorder keeps none.)
    pub fn keep_note(&self, words: impl Into<String>) -> KeptNote {
        // Converted before the lock: outside code never runs under it.
        let words: String = words.into();
        let mut state = self.state();
        let id = if state.closed {
            NoteId::EMPTY
        } else {
            state.intern_outside(&words)
        };
        KeptNote {
            id,
            recorder: state.serial,
        }
    }
}

impl State {
    /// The note for `text`: a literal is looked up by its address, a kept
    /// note is already in the table, built words are compared with the
    /// last built.
    #[inline]
    pub(super) fn note(&mut self, text: NoteText) -> NoteId {
        match text {
            // The common case, found in a few instructions.
            NoteText::Words(Cow::Borrowed(fixed)) => match self.fixed_notes.get(fixed) {
                Some(id) => id,
                None => self.new_fixed_note(fixed),
            },
            NoteText::Kept(kept) if kept.recorder == self.serial => kept.id,
            NoteText::Kept(_) => self.new_fixed_note("(a note kept by another run)"),
            NoteText::Words(Cow::Owned(built)) => self.built_note(built),
        }
    }

    /// Words that may come from outside, escaped into the table.
    fn intern_outside(&mut self, words: &str) -> NoteId {
        self.notes.intern(&sanitize(words, false))
    }

    #[cold]
    fn new_fixed_note(&mut self, fixed: &'static str) -> NoteId {
        let id = self.intern_outside(fixed);
        self.fixed_notes.insert(fixed, id);
        id
    }

    fn built_note(&mut self, built: String) -> NoteId {
        match &self.last_built {
            Some((last, id)) if *last == built => *id,
            _ => {
                let id = self.intern_outside(&built);
                self.last_built = Some((built, id));
                id
            }
        }
    }
}

/// Fixed annotations' ids, found by the address of their text: a lookup
/// is a multiply and a compare or two, not a hash of the words.
///
/// The table is set-associative, two texts to a set: a demo's literals sit
/// close together in the binary, and in a direct-mapped table two hot ones
/// sharing a slot would push each other out at every event (each miss a
/// hash of the words). A text pushed out is found again in the run's table
/// by its words.
pub(super) struct FixedNotes(Box<[[Slot; FixedNotes::WAYS]; FixedNotes::SETS]>);

/// A text's address and length, and its id.
#[derive(Clone, Copy)]
struct Slot {
    address: usize,
    len: u32,
    id: NoteId,
}

impl Slot {
    /// Address 0 is no text's.
    const EMPTY: Slot = Slot {
        address: 0,
        len: 0,
        id: NoteId::EMPTY,
    };

    #[inline]
    fn holds(&self, text: &'static str) -> bool {
        self.address == text.as_ptr() as usize && self.len as usize == text.len()
    }
}

impl FixedNotes {
    const SETS: usize = 256;
    const WAYS: usize = 2;

    #[inline]
    fn set(text: &'static str) -> usize {
        let address = text.as_ptr() as usize as u64;
        // Fibonacci hashing: the top 8 bits of the product pick the set.
        (address.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize
    }

    #[inline]
    fn get(&self, text: &'static str) -> Option<NoteId> {
        let set = &self.0[Self::set(text)];
        set.iter().find(|slot| slot.holds(text)).map(|slot| slot.id)
    }

    /// The newest text takes the set's first way; the one before moves
    /// to the second. (A hit does not promote: three hot texts in one set
    /// would take turns, which 256 sets make unlikely.)
    fn insert(&mut self, text: &'static str, id: NoteId) {
        let Ok(len) = u32::try_from(text.len()) else {
            return;
        };
        let set = &mut self.0[Self::set(text)];
        set[1] = set[0];
        set[0] = Slot {
            address: text.as_ptr() as usize,
            len,
            id,
        };
    }
}

impl Default for FixedNotes {
    fn default() -> Self {
        FixedNotes(Box::new(
            [[Slot::EMPTY; FixedNotes::WAYS]; FixedNotes::SETS],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_kept_is_found_and_only_by_its_own_address() {
        let mut table = FixedNotes::default();
        // More texts than one set holds, some sharing a set: each lookup
        // finds its own id or nothing, never another text's.
        let texts: Vec<&'static str> = (0..600)
            .map(|i| &*Box::leak(format!("note {i}").into_boxed_str()))
            .collect();
        for (i, text) in texts.iter().enumerate() {
            table.insert(text, NoteId::new(i + 1).expect("small id"));
        }
        let mut found = 0;
        for (i, text) in texts.iter().enumerate() {
            if let Some(id) = table.get(text) {
                assert_eq!(id, NoteId::new(i + 1).expect("small id"));
                found += 1;
            }
        }
        // Most slots are full: 600 texts over 256 sets of two.
        assert!(found >= FixedNotes::SETS, "{found}");
        // The same words at another address are not the same text.
        let copy: &'static str = Box::leak(texts[599].to_string().into_boxed_str());
        assert_eq!(table.get(copy), None);
        // Two texts of one set (600 texts, 256 sets: some share) both stay.
        let mut by_set = std::collections::HashMap::new();
        let (a, b) = texts
            .iter()
            .find_map(|&t| by_set.insert(FixedNotes::set(t), t).map(|other| (other, t)))
            .expect("two texts share a set");
        let mut pair = FixedNotes::default();
        pair.insert(a, NoteId::new(1).expect("id"));
        pair.insert(b, NoteId::new(2).expect("id"));
        assert_eq!((pair.get(a), pair.get(b)), (NoteId::new(1), NoteId::new(2)));
    }
}
