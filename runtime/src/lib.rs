//! Runtime shared by generated clients and server stubs.
