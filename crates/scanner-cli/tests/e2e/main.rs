//! End-to-end tests: the real `supplygate` binary (built by cargo for this
//! test target, `CARGO_BIN_EXE_supplygate`) run on copies of `fixtures/`.
//! One test binary, one module per area.

mod support;

mod baseline;
mod clear_errors;
mod completions_and_man;
mod control_characters;
mod discovery;
mod discovery_plugins_profiles_and_variables;
#[cfg(unix)]
mod docker_store;
mod formats;
mod help_matches_behaviour;
mod hostile_trees;
mod images;
mod images_hostile_layers;
mod images_ubuntu;
mod launchers;
mod matching;
mod online;
mod osv_ids;
mod output_errors;
mod paths_and_defaults;
mod policy;
mod receipt;
mod resolution;
mod resolution_sites;
mod same_name_servers;
mod scan;
mod secret_redaction;
mod severity_is_for_advisories;
mod store;
#[cfg(unix)]
mod terminal_output;
#[cfg(unix)]
mod untrusted_files;
mod uvx_sources;
#[cfg(unix)]
mod verify_cache;
mod vet;
