//! The parts of the loopback lab a demo itself touches: listeners to find
//! ([`tcp`]), this machine's descriptor and port limits ([`limits`]), and
//! the scope guard that keeps traffic on loopback ([`scope`]).
//!
//! The HTTP lab lives in asynclab itself: it needs a web framework that the
//! learner's workspace does not build.

pub mod limits;
pub mod scope;
pub mod tcp;
