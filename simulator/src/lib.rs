//! The reference partner simulator.
