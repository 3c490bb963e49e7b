//! Config file formats: JSON/JSONC, TOML and YAML, all parsed into one
//! document tree ([`Node`]) with line numbers and duplicate keys kept.

mod jsonc;
mod toml;
mod tree;
mod yaml;

use std::path::Path;

pub use tree::{
    max_values, DuplicateKey, FormatError, Node, Value, BYTES_PER_VALUE, MAX_DEPTH, MIN_VALUES,
};

/// A config file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON, with comments and trailing commas accepted (JSONC).
    Json,
    /// TOML.
    Toml,
    /// YAML.
    Yaml,
}

impl Format {
    /// The format a file name implies (`.toml`, `.yaml`/`.yml`, else JSON).
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => Format::Toml,
            Some("yaml" | "yml") => Format::Yaml,
            _ => Format::Json,
        }
    }

    /// Lower-case name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Toml => "TOML",
            Format::Yaml => "YAML",
        }
    }

    /// Parses `text` in this format.
    pub fn parse(self, text: &str) -> Result<Node, FormatError> {
        match self {
            Format::Json => jsonc::parse(text),
            Format::Toml => toml::parse(text),
            Format::Yaml => yaml::parse(text),
        }
    }
}
