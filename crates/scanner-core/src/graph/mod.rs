//! One dependency graph over every server: servers are roots, packages are
//! nodes keyed by (tree root, install path), edges say "depends on".

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::resolve::InstalledTree;
use crate::types::ServerId;

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A configured server.
    Server(ServerId),
    /// An installed package.
    Package {
        /// Its name.
        name: String,
        /// Its version.
        version: String,
        /// The tree it is installed in.
        root: PathBuf,
        /// Its install path inside the tree.
        path: String,
    },
}

impl Node {
    /// `name@version` for packages, the name for servers.
    pub fn label(&self) -> String {
        match self {
            Node::Server(id) => id.name.clone(),
            Node::Package { name, version, .. } => format!("{name}@{version}"),
        }
    }
}

/// The graph of all servers and their installed packages.
#[derive(Debug, Default)]
pub struct DependencyGraph {
    graph: DiGraph<Node, ()>,
    servers: BTreeMap<ServerId, NodeIndex>,
    packages: HashMap<(PathBuf, String), NodeIndex>,
}

impl DependencyGraph {
    /// Adds a server and its tree; trees shared by several servers are added once.
    pub fn add_server(&mut self, server: &ServerId, tree: Option<&InstalledTree>) -> NodeIndex {
        let root = self.graph.add_node(Node::Server(server.clone()));
        self.servers.insert(server.clone(), root);
        let Some(tree) = tree else { return root };
        let nodes: Vec<NodeIndex> = tree
            .packages
            .iter()
            .map(|p| self.package_node(tree, p))
            .collect();
        for (pkg, &from) in tree.packages.iter().zip(&nodes) {
            for &dep in &pkg.dependencies {
                self.graph.update_edge(from, nodes[dep], ());
            }
        }
        if let Some(top) = tree.top {
            self.graph.update_edge(root, nodes[top], ());
        }
        root
    }

    fn package_node(
        &mut self,
        tree: &InstalledTree,
        p: &crate::resolve::InstalledPackage,
    ) -> NodeIndex {
        let key = (tree.root.clone(), p.path.clone());
        if let Some(&n) = self.packages.get(&key) {
            return n;
        }
        let n = self.graph.add_node(Node::Package {
            name: p.name.clone(),
            version: p.version.clone(),
            root: tree.root.clone(),
            path: p.path.clone(),
        });
        self.packages.insert(key, n);
        n
    }

    /// The node of a package in a tree.
    pub fn package(&self, root: &Path, path: &str) -> Option<NodeIndex> {
        self.packages
            .get(&(root.to_path_buf(), path.to_string()))
            .copied()
    }

    /// The node of a server.
    pub fn server(&self, id: &ServerId) -> Option<NodeIndex> {
        self.servers.get(id).copied()
    }

    /// The node's data.
    pub fn node(&self, n: NodeIndex) -> &Node {
        &self.graph[n]
    }

    /// The shortest path from `from` to `to` (both included), by breadth-first search.
    pub fn shortest_path(&self, from: NodeIndex, to: NodeIndex) -> Option<Vec<NodeIndex>> {
        let mut previous: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue = VecDeque::from([from]);
        while let Some(n) = queue.pop_front() {
            if n == to {
                let mut path = vec![to];
                while let Some(&p) = previous.get(path.last()?) {
                    path.push(p);
                }
                path.reverse();
                return Some(path);
            }
            for next in self.graph.neighbors_directed(n, Direction::Outgoing) {
                if next != from && !previous.contains_key(&next) {
                    previous.insert(next, n);
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// Labels of the shortest path from a server to a package.
    pub fn path_labels(&self, server: &ServerId, root: &Path, path: &str) -> Vec<String> {
        let (Some(s), Some(p)) = (self.server(server), self.package(root, path)) else {
            return Vec::new();
        };
        self.shortest_path(s, p)
            .map(|nodes| nodes.into_iter().map(|n| self.graph[n].label()).collect())
            .unwrap_or_default()
    }

    /// Every path from a server to each installed package named `name`
    /// (and at `version`, when given), as labels, like `npm explain`: at most
    /// `limit` paths in all, shortest first.
    pub fn explain(&self, name: &str, version: Option<&str>, limit: usize) -> Vec<Vec<String>> {
        let targets: Vec<NodeIndex> = self
            .graph
            .node_indices()
            .filter(|&n| match &self.graph[n] {
                Node::Package {
                    name: n2,
                    version: v,
                    ..
                } => n2 == name && version.is_none_or(|want| want == v),
                Node::Server(_) => false,
            })
            .collect();
        let mut paths: Vec<Vec<String>> = Vec::new();
        for &root in self.servers.values() {
            for &target in &targets {
                let found = petgraph::algo::all_simple_paths::<
                    Vec<NodeIndex>,
                    _,
                    std::hash::RandomState,
                >(&self.graph, root, target, 0, None);
                for path in found.take(limit.saturating_sub(paths.len())) {
                    paths.push(path.into_iter().map(|n| self.graph[n].label()).collect());
                }
            }
        }
        paths.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        paths.dedup();
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::{InstalledPackage, InstalledTree, TreeKind};
    use advisories_cache::Ecosystem;

    fn tree() -> InstalledTree {
        let pkg = |n: &str, deps: Vec<usize>| InstalledPackage {
            dependencies: deps,
            ..InstalledPackage::new(
                Ecosystem::Npm,
                n.into(),
                "1.0.0".into(),
                format!("node_modules/{n}"),
            )
        };
        InstalledTree {
            kind: TreeKind::NpxCache,
            root: PathBuf::from("/t"),
            top: Some(0),
            packages: vec![pkg("top", vec![1, 2]), pkg("a", vec![2]), pkg("b", vec![])],
            notes: Vec::new(),
            issues: Vec::new(),
            npm_cache: None,
        }
    }

    #[test]
    fn explain_lists_every_path_shortest_first() {
        let mut g = DependencyGraph::default();
        let s = ServerId::new(PathBuf::from("/c.json"), crate::types::Scope::User, "s");
        g.add_server(&s, Some(&tree()));
        let paths = g.explain("b", None, 100);
        assert_eq!(
            paths,
            [
                vec!["s", "top@1.0.0", "b@1.0.0"],
                vec!["s", "top@1.0.0", "a@1.0.0", "b@1.0.0"]
            ]
        );
        assert!(g.explain("b", Some("2.0.0"), 100).is_empty());
        assert_eq!(
            g.path_labels(&s, Path::new("/t"), "node_modules/b").len(),
            3
        );
    }
}
