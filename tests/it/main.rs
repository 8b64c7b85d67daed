//! The one integration-test binary of `digest`: fixture sites under
//! `tests/fixtures/` built through the library and the real binary, checked
//! by real validators. See CONTRIBUTING.md for how to run, add fixtures and
//! accept snapshots.

mod browser;
mod build;
mod errors;
mod inspect;
mod links;
mod props;
mod seeds;
mod serve;
mod support;
mod validators;
