//! The parts of the lab a demo itself touches: listeners to find
//! ([`tcp`]), a real port probe and the targets of a real scan
//! ([`probe`]), this machine's descriptor and port limits ([`limits`]), the
//! scope guard that keeps traffic on loopback ([`scope`]), and child
//! processes that never outlive asynclab ([`children`]).
//!
//! The HTTP lab lives in asynclab itself: it needs a web framework that the
//! learner's workspace does not build.

pub mod children;
pub mod limits;
pub mod probe;
pub mod scope;
pub mod tcp;
