//! A synthetic osv.dev-sized npm `all.zip`, made from real records.
//!
//! Every generated record is a real OSV record from `fixtures/osv` with a new
//! id, a new package name and new versions, so sizes, field mix and JSON shape
//! stay those of the published data.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::Value;

/// The shape of osv.dev's npm database in 2026: ≈214,000 records of which
/// ≈209,000 are `MAL-` reports.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Records in total.
    pub records: usize,
    /// How many of them are `MAL-`.
    pub malicious: usize,
}

/// A generated corpus: the zip and what went into it.
pub struct Corpus {
    /// The `all.zip`.
    pub zip: PathBuf,
    /// (name, a version it affects) of every generated package, in order.
    pub packages: Vec<(String, String)>,
    /// Inflated JSON bytes written.
    pub json_bytes: u64,
}

/// Loads the real npm records (MAL and the rest) from `osv_dir/npm`.
pub fn templates(osv_dir: &Path) -> Result<(Vec<Value>, Vec<Value>)> {
    let dir = osv_dir.join("npm");
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let (mut mal, mut other) = (Vec::new(), Vec::new());
    for p in paths {
        let text = fs::read_to_string(&p).with_context(|| p.display().to_string())?;
        let v: Value = serde_json::from_str(&text).with_context(|| p.display().to_string())?;
        let is_mal = v["id"].as_str().is_some_and(|id| id.starts_with("MAL-"));
        if is_mal {
            mal.push(v)
        } else {
            other.push(v)
        }
    }
    anyhow::ensure!(
        !mal.is_empty() && !other.is_empty(),
        "no npm templates in {}",
        dir.display()
    );
    Ok((mal, other))
}

/// Writes `shape.records` records into `dir/all.zip`.
pub fn generate(dir: &Path, osv_dir: &Path, shape: Shape) -> Result<Corpus> {
    let (mal, other) = templates(osv_dir)?;
    let zip_path = dir.join("all.zip");
    let mut w = zip::ZipWriter::new(File::create(&zip_path)?);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    let mut packages = Vec::with_capacity(shape.records);
    let mut json_bytes = 0u64;
    for i in 0..shape.records {
        let (template, prefix) = if i < shape.malicious {
            (&mal[i % mal.len()], "MAL-2099")
        } else {
            (&other[i % other.len()], "GHSA-bench")
        };
        let (record, name, version) = vary(template, prefix, i);
        let text = serde_json::to_string_pretty(&record)?;
        json_bytes += text.len() as u64;
        w.start_file(
            format!("{}.json", record["id"].as_str().unwrap_or("x")),
            opts,
        )?;
        w.write_all(text.as_bytes())?;
        packages.push((name, version));
    }
    w.finish()?;
    Ok(Corpus {
        zip: zip_path,
        packages,
        json_bytes,
    })
}

/// A copy of `template` with id, package names and versions made unique for `i`.
/// Returns the record, its first package name and a version it affects.
fn vary(template: &Value, prefix: &str, i: usize) -> (Value, String, String) {
    let mut record = template.clone();
    record["id"] = Value::String(format!("{prefix}-{i:06}"));
    let version = format!("{}.{}.{}", i % 7, i % 13, i % 5);
    let mut first_name = None;
    if let Some(affected) = record["affected"].as_array_mut() {
        for a in affected {
            let base = a["package"]["name"].as_str().unwrap_or("pkg").to_string();
            let name = format!("{base}-{i:06}");
            first_name.get_or_insert_with(|| name.clone());
            a["package"]["name"] = Value::String(name);
            if let Some(versions) = a["versions"].as_array_mut() {
                versions.clear();
                versions.push(Value::String(version.clone()));
                versions.push(Value::String(format!("{}.0.0", i % 3 + 8)));
            }
        }
    }
    (record, first_name.unwrap_or_default(), version)
}
