//! A tiny HTTP/1.1 server on 127.0.0.1 for the online tests: each test hands
//! it a handler; it serves real OSV records from `fixtures/osv` through the
//! OSV API's shapes (`POST /v1/querybatch`, `GET /v1/vulns/{id}`,
//! `GET /{ECOSYSTEM}/all.zip`).

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, e.g. `/v1/querybatch`.
    pub path: String,
    /// The `User-Agent` header, empty when none.
    pub user_agent: String,
    /// The body.
    pub body: Vec<u8>,
}

/// What to answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Announce this `Content-Length` instead of the body's (a cut body).
    pub declared_len: Option<usize>,
}

impl Reply {
    /// A 200 with a JSON body.
    pub fn json(body: &Value) -> Reply {
        Reply::bytes(200, body.to_string().into_bytes())
    }

    /// Any status with a body.
    pub fn bytes(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body,
            delay: Duration::ZERO,
            declared_len: None,
        }
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// A running server; stops accepting when dropped.
pub struct Server {
    addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    /// Starts serving `handler` on an ephemeral 127.0.0.1 port.
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (stop2, log2) = (stop.clone(), log.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (handler, log) = (handler.clone(), log2.clone());
                std::thread::spawn(move || serve(stream, &*handler, &log));
            }
        });
        Server { addr, stop, log }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request served so far.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    /// How many requests had a path starting with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path.starts_with(prefix))
            .count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Request>>) {
    let Some(request) = read_request(&stream) else {
        return;
    };
    log.lock().unwrap().push(request.clone());
    let reply = handler(&request);
    std::thread::sleep(reply.delay);
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.declared_len.unwrap_or(reply.body.len())
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(&reply.body);
    let _ = out.flush();
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut length = 0usize;
    let mut user_agent = String::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok()?;
            }
            if k.eq_ignore_ascii_case("user-agent") {
                user_agent = v.trim().to_string();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        user_agent,
        body,
    })
}

/// The real OSV records of `fixtures/osv`, indexed as an OSV API would.
pub struct OsvData {
    /// Record text by id.
    pub records: HashMap<String, String>,
    /// (ecosystem, normalised name) → (id, modified), withdrawn left out.
    pub by_package: BTreeMap<(String, String), Vec<(String, String)>>,
}

impl OsvData {
    /// Loads every record under `fixtures/osv` (folders and `PyPI-all.zip`).
    pub fn load(osv: &Path) -> OsvData {
        let mut data = OsvData {
            records: HashMap::new(),
            by_package: BTreeMap::new(),
        };
        for dir in ["npm", "PyPI-ghsa-mal"] {
            for entry in std::fs::read_dir(osv.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "json") {
                    data.add(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        let zip = std::fs::File::open(osv.join("PyPI-all.zip")).unwrap();
        let mut archive = zip::ZipArchive::new(zip).unwrap();
        for i in 0..archive.len() {
            let mut text = String::new();
            archive
                .by_index(i)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            data.add(text);
        }
        data
    }

    fn add(&mut self, text: String) {
        let v: Value = serde_json::from_str(&text).unwrap();
        let id = v["id"].as_str().unwrap().to_string();
        let modified = v["modified"].as_str().unwrap().to_string();
        if v.get("withdrawn").is_none() {
            for a in v["affected"].as_array().into_iter().flatten() {
                let eco = a["package"]["ecosystem"].as_str().unwrap_or("");
                let name = normalise(eco, a["package"]["name"].as_str().unwrap_or(""));
                let ids = self.by_package.entry((eco.to_string(), name)).or_default();
                if !ids.iter().any(|(i, _)| *i == id) {
                    ids.push((id.clone(), modified.clone()));
                }
            }
        }
        self.records.insert(id, text);
    }

    /// Answers one querybatch request body, at most `page` advisories per
    /// query per answer (page tokens are offsets). Like a coarse mirror it
    /// names every advisory of the package whatever the version: supplygate
    /// re-checks each version locally.
    pub fn querybatch(&self, body: &[u8], page: usize) -> Value {
        let request: Value = serde_json::from_slice(body).unwrap();
        let results: Vec<Value> = request["queries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| {
                let eco = q["package"]["ecosystem"].as_str().unwrap();
                let name = normalise(eco, q["package"]["name"].as_str().unwrap());
                let all = self
                    .by_package
                    .get(&(eco.to_string(), name))
                    .cloned()
                    .unwrap_or_default();
                let from: usize = q["page_token"].as_str().map_or(0, |t| t.parse().unwrap());
                let to = (from + page).min(all.len());
                let vulns: Vec<Value> = all[from..to]
                    .iter()
                    .map(|(id, m)| json!({"id": id, "modified": m}))
                    .collect();
                let mut result = json!({});
                if !vulns.is_empty() {
                    result["vulns"] = json!(vulns);
                }
                if to < all.len() {
                    result["next_page_token"] = json!(to.to_string());
                }
                result
            })
            .collect();
        json!({ "results": results })
    }

    /// A handler serving this data as the OSV API, `page` advisories per page.
    pub fn api(self: Arc<Self>, page: usize) -> impl Fn(&Request) -> Reply + Send + Sync {
        move |r: &Request| match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/v1/querybatch") => Reply::json(&self.querybatch(&r.body, page)),
            ("GET", p) if p.starts_with("/v1/vulns/") => {
                match self.records.get(&p["/v1/vulns/".len()..]) {
                    Some(text) => Reply::bytes(200, text.clone().into_bytes()),
                    None => {
                        Reply::bytes(404, b"{\"code\":5,\"message\":\"Bug not found.\"}".to_vec())
                    }
                }
            }
            _ => Reply::bytes(404, Vec::new()),
        }
    }
}

/// PEP 503 for PyPI; npm names as published.
fn normalise(eco: &str, name: &str) -> String {
    if eco != "PyPI" {
        return name.to_string();
    }
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c);
        }
    }
    out
}
