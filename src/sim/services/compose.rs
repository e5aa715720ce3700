//! `docker compose` (v2) on the virtual X8: the subset of the compose file the Arduino apps
//! use, with `${VAR}` interpolation from the shell's environment and `.env`, and the
//! commands the tutorial types: up (-d), down, ps, logs (-f, --tail), stop, start,
//! restart, config, version.
//!
//! An unset variable interpolates to a blank string with compose's warning, so the apps'
//! `hub.foundries.io/${FACTORY}/...` becomes `hub.foundries.io//...` and `up` fails with
//! "invalid reference format", as on the board.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::docker::{
    Cli, Container, FsView, RunSpec, check_ref, follow_logs, join_path, pull_error,
};
use super::yaml::{self, Yaml};
use super::{Services, put};

const FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// `-f`, `--project-directory`, `-p`.
#[derive(Default)]
struct ProjectOpts {
    file: Option<String>,
    dir: Option<String>,
    name: Option<String>,
}

struct Project {
    name: String,
    dir: String,
    services: Vec<(String, Yaml)>,
}

/// `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$VAR`, `$$`. Unset names are collected.
fn interpolate(s: &str, env: &BTreeMap<String, String>, unset: &mut Vec<String>) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('$') => {
                out.push('$');
                i += 2;
            }
            Some('{') => {
                let Some(end) = chars[i + 2..].iter().position(|&c| c == '}') else {
                    out.push_str(&chars[i..].iter().collect::<String>());
                    break;
                };
                let body: String = chars[i + 2..i + 2 + end].iter().collect();
                let (name, default, colon) = if let Some((n, d)) = body.split_once(":-") {
                    (n.to_string(), Some(d.to_string()), true)
                } else if let Some((n, d)) = body.split_once('-') {
                    (n.to_string(), Some(d.to_string()), false)
                } else {
                    (body.clone(), None, false)
                };
                let value = env.get(&name).cloned();
                let v = match (value, default) {
                    (Some(v), Some(d)) if v.is_empty() && colon => d,
                    (Some(v), _) => v,
                    (None, Some(d)) => d,
                    (None, None) => {
                        if !unset.contains(&name) {
                            unset.push(name.clone());
                        }
                        String::new()
                    }
                };
                out.push_str(&v);
                i += 3 + end;
            }
            Some(n) if n.is_ascii_alphabetic() || *n == '_' => {
                let name: String = chars[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .collect();
                match env.get(&name) {
                    Some(v) => out.push_str(v),
                    None => {
                        if !unset.contains(&name) {
                            unset.push(name.clone());
                        }
                    }
                }
                i += 1 + name.chars().count();
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    out
}

fn interpolate_yaml(y: &Yaml, env: &BTreeMap<String, String>, unset: &mut Vec<String>) -> Yaml {
    match y {
        Yaml::Str(s) => Yaml::Str(interpolate(s, env, unset)),
        Yaml::List(l) => Yaml::List(l.iter().map(|x| interpolate_yaml(x, env, unset)).collect()),
        Yaml::Map(m) => Yaml::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), interpolate_yaml(v, env, unset)))
                .collect(),
        ),
        Yaml::Null => Yaml::Null,
    }
}

/// A project name as compose makes it: lowercase letters, digits, `-` and `_`.
fn project_name(s: &str) -> String {
    s.to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

fn dotenv(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') {
                return None;
            }
            let (k, v) = l.split_once('=')?;
            Some((
                k.trim().to_string(),
                v.trim().trim_matches('"').trim_matches('\'').to_string(),
            ))
        })
        .collect()
}

/// `environment:` as a list of `K=V` or a map.
fn environment(y: Option<&Yaml>) -> Vec<String> {
    match y {
        Some(Yaml::Map(m)) => m
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect(),
        Some(other) => other.strings(),
        None => Vec::new(),
    }
}

fn words(y: Option<&Yaml>) -> Option<Vec<String>> {
    match y? {
        Yaml::Str(s) => Some(s.split_whitespace().map(str::to_string).collect()),
        Yaml::List(_) => Some(y?.strings()),
        _ => None,
    }
}

impl Services {
    fn load_project(
        &self,
        opts: &ProjectOpts,
        cwd: &str,
        env: &BTreeMap<String, String>,
        fs: &dyn FsView,
        cli: &mut Cli,
    ) -> Result<Project, i32> {
        let (file, dir, pname) = (
            opts.file.as_deref(),
            opts.dir.as_deref(),
            opts.name.as_deref(),
        );
        let dir = dir
            .map(|d| join_path(cwd, d))
            .unwrap_or_else(|| cwd.to_string());
        let path = match file {
            Some(f) => join_path(cwd, f),
            None => match FILES
                .iter()
                .map(|f| join_path(&dir, f))
                .find(|p| fs.exists(p))
            {
                Some(p) => p,
                None => {
                    put(cli.err, "no configuration file provided: not found\n");
                    return Err(1);
                }
            },
        };
        let text = match fs.read(&path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(_) => {
                put(
                    cli.err,
                    &format!("open {path}: no such file or directory\n"),
                );
                return Err(1);
            }
        };
        let mut vars = env.clone();
        if let Ok(b) = fs.read(&join_path(&dir, ".env")) {
            for (k, v) in dotenv(&String::from_utf8_lossy(&b)) {
                vars.entry(k).or_insert(v);
            }
        }
        let doc = match yaml::parse(&text) {
            Ok(d) => d,
            Err(e) => {
                put(cli.err, &format!("yaml: {e}\n"));
                return Err(1);
            }
        };
        let mut unset = Vec::new();
        let doc = interpolate_yaml(&doc, &vars, &mut unset);
        for name in &unset {
            put(
                cli.err,
                &format!(
                    "WARN[0000] The \"{name}\" variable is not set. Defaulting to a blank string. \n"
                ),
            );
        }
        let Some(Yaml::Map(services)) = doc.get("services") else {
            put(cli.err, "no service selected\n");
            return Err(1);
        };
        let base = dir.rsplit('/').find(|s| !s.is_empty()).unwrap_or("default");
        let name = pname
            .map(str::to_string)
            .or_else(|| doc.get("name").and_then(Yaml::as_str).map(str::to_string))
            .unwrap_or_else(|| base.to_string());
        Ok(Project {
            name: project_name(&name),
            dir,
            services: services.clone(),
        })
    }

    fn project_containers(&self, project: &str) -> Vec<Arc<Container>> {
        self.docker
            .containers()
            .into_iter()
            .filter(|c| {
                c.spec
                    .labels
                    .get("com.docker.compose.project")
                    .map(String::as_str)
                    == Some(project)
            })
            .collect()
    }

    /// `docker compose ARGS`.
    pub(super) fn compose(
        &self,
        args: &[String],
        cwd: &str,
        env: &BTreeMap<String, String>,
        fs: &dyn FsView,
        cli: &mut Cli,
    ) -> i32 {
        let mut opts = ProjectOpts::default();
        let mut i = 0;
        while i < args.len() && args[i].starts_with('-') {
            let take = |i: &mut usize| -> Option<String> {
                *i += 1;
                args.get(*i).cloned()
            };
            match args[i].as_str() {
                "-f" | "--file" => opts.file = take(&mut i),
                "--project-directory" => opts.dir = take(&mut i),
                "-p" | "--project-name" => opts.name = take(&mut i),
                "--env-file" | "--profile" | "--ansi" | "--progress" => {
                    let _ = take(&mut i);
                }
                "-v" | "--version" => {
                    put(cli.out, "Docker Compose version v2.20.3\n");
                    return 0;
                }
                other => {
                    put(cli.err, &format!("unknown flag: {other}\n"));
                    return 1;
                }
            }
            i += 1;
        }
        let Some(cmd) = args.get(i) else {
            put(
                cli.out,
                "\nUsage:  docker compose [OPTIONS] COMMAND\n\nDefine and run multi-container applications with Docker.\n",
            );
            return 0;
        };
        let rest = &args[i + 1..];
        if cmd == "version" {
            put(cli.out, "Docker Compose version v2.20.3\n");
            return 0;
        }
        let project = match self.load_project(&opts, cwd, env, fs, cli) {
            Ok(p) => p,
            Err(code) => return code,
        };
        match cmd.as_str() {
            "up" => self.compose_up(&project, rest, cli),
            "down" => self.compose_down(&project, cli),
            "ps" => self.compose_ps(&project, rest, cli),
            "logs" => self.compose_logs(&project, rest, cli),
            "stop" | "start" | "restart" => self.compose_lifecycle(&project, cmd, cli),
            "config" => {
                for (name, svc) in &project.services {
                    let image = svc.get("image").and_then(Yaml::as_str).unwrap_or("");
                    put(
                        cli.out,
                        &format!("services:\n  {name}:\n    image: {image}\n"),
                    );
                }
                0
            }
            other => {
                put(
                    cli.err,
                    &format!("unknown docker command: \"compose {other}\"\n"),
                );
                1
            }
        }
    }

    fn compose_up(&self, p: &Project, args: &[String], cli: &mut Cli) -> i32 {
        let detach = args.iter().any(|a| a == "-d" || a == "--detach");
        // Check every image before touching anything, as compose does.
        let mut plan: Vec<(String, String, RunSpec)> = Vec::new();
        for (svc, def) in &p.services {
            let image = match def.get("image").and_then(Yaml::as_str) {
                Some(i) => i.to_string(),
                None if def.get("build").is_some() => format!("{}-{svc}", p.name),
                None => {
                    put(
                        cli.err,
                        &format!(
                            "service \"{svc}\" has neither an image nor a build context specified: invalid compose project\n"
                        ),
                    );
                    return 1;
                }
            };
            if let Err(e) = check_ref(&image) {
                put(cli.err, &format!("Error response from daemon: {e}\n"));
                return 1;
            }
            let cname = def
                .get("container_name")
                .and_then(Yaml::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("{}-{svc}-1", p.name));
            let mut labels = BTreeMap::new();
            labels.insert("com.docker.compose.project".to_string(), p.name.clone());
            labels.insert("com.docker.compose.service".to_string(), svc.clone());
            labels.insert(
                "com.docker.compose.project.working_dir".to_string(),
                p.dir.clone(),
            );
            let spec = RunSpec {
                name: Some(cname.clone()),
                image: image.clone(),
                restart: def
                    .get("restart")
                    .and_then(Yaml::as_str)
                    .unwrap_or("no")
                    .to_string(),
                env: environment(def.get("environment")),
                tty: def.get("tty").is_some_and(Yaml::truthy),
                interactive: def.get("stdin_open").is_some_and(Yaml::truthy),
                read_only: def.get("read_only").is_some_and(Yaml::truthy),
                network: def
                    .get("network_mode")
                    .and_then(Yaml::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{}_default", p.name)),
                extra_hosts: def
                    .get("extra_hosts")
                    .map(Yaml::strings)
                    .unwrap_or_default(),
                ports: def.get("ports").map(Yaml::strings).unwrap_or_default(),
                volumes: def.get("volumes").map(Yaml::strings).unwrap_or_default(),
                devices: def.get("devices").map(Yaml::strings).unwrap_or_default(),
                rm: false,
                detach: true,
                user: def
                    .get("user")
                    .and_then(Yaml::as_str)
                    .unwrap_or("")
                    .to_string(),
                cmd: words(def.get("command")).unwrap_or_default(),
                entrypoint: words(def.get("entrypoint")),
                labels,
            };
            plan.push((svc.clone(), cname, spec));
        }
        let mut started: Vec<(String, Arc<Container>)> = Vec::new();
        for (svc, cname, spec) in plan {
            let Some(img) = self.docker.image(&spec.image) else {
                put(cli.err, &format!(" {svc} Pulling \n {svc} Error \n"));
                put(
                    cli.err,
                    &format!(
                        "Error response from daemon: {}\n",
                        pull_error(&spec.image).trim_start_matches("Error response from daemon: ")
                    ),
                );
                return 1;
            };
            if let Some(old) = self.docker.find(&cname) {
                let same =
                    old.image.id == img.id && old.spec.env == spec.env && old.spec.cmd == spec.cmd;
                if same && matches!(old.info().status, super::docker::Status::Running) {
                    put(cli.err, &format!(" Container {cname}  Running\n"));
                    started.push((format!("{cname}  | "), old));
                    continue;
                }
                put(cli.err, &format!(" Container {cname}  Recreate\n"));
                self.docker.stop(&old, true);
                self.docker.remove(&old);
                put(cli.err, &format!(" Container {cname}  Recreated\n"));
            } else {
                put(cli.err, &format!(" Container {cname}  Creating\n"));
            }
            let c = match self.docker.create(spec, img) {
                Ok(c) => c,
                Err(e) => {
                    put(cli.err, &format!("Error response from daemon: {e}\n"));
                    return 1;
                }
            };
            put(
                cli.err,
                &format!(" Container {cname}  Created\n Container {cname}  Starting\n"),
            );
            self.docker.start(&c);
            put(cli.err, &format!(" Container {cname}  Started\n"));
            started.push((format!("{cname}  | "), c));
        }
        if !detach {
            follow_logs(&started, None, true, false, cli, &self.docker.sh.shut);
        }
        0
    }

    fn compose_down(&self, p: &Project, cli: &mut Cli) -> i32 {
        for c in self.project_containers(&p.name) {
            put(cli.err, &format!(" Container {}  Stopping\n", c.name));
            self.docker.stop(&c, true);
            put(
                cli.err,
                &format!(
                    " Container {}  Stopped\n Container {}  Removing\n",
                    c.name, c.name
                ),
            );
            self.docker.remove(&c);
            put(cli.err, &format!(" Container {}  Removed\n", c.name));
        }
        0
    }

    fn compose_lifecycle(&self, p: &Project, cmd: &str, cli: &mut Cli) -> i32 {
        for c in self.project_containers(&p.name) {
            match cmd {
                "stop" => {
                    put(cli.err, &format!(" Container {}  Stopping\n", c.name));
                    self.docker.stop(&c, true);
                    put(cli.err, &format!(" Container {}  Stopped\n", c.name));
                }
                "start" => {
                    put(cli.err, &format!(" Container {}  Starting\n", c.name));
                    self.docker.start(&c);
                    put(cli.err, &format!(" Container {}  Started\n", c.name));
                }
                _ => {
                    put(cli.err, &format!(" Container {}  Restarting\n", c.name));
                    self.docker.stop(&c, true);
                    self.docker.start(&c);
                    put(cli.err, &format!(" Container {}  Started\n", c.name));
                }
            }
        }
        0
    }

    fn compose_ps(&self, p: &Project, args: &[String], cli: &mut Cli) -> i32 {
        let all = args.iter().any(|a| a == "-a" || a == "--all");
        put(
            cli.out,
            &format!(
                "{:<30} {:<40} {:<20} {:<25} {}\n",
                "NAME", "IMAGE", "SERVICE", "STATUS", "PORTS"
            ),
        );
        for c in self.project_containers(&p.name) {
            let info = c.info();
            if !all && !matches!(info.status, super::docker::Status::Running) {
                continue;
            }
            let svc = c
                .spec
                .labels
                .get("com.docker.compose.service")
                .cloned()
                .unwrap_or_default();
            put(
                cli.out,
                &format!(
                    "{:<30} {:<40} {:<20} {:<25} {}\n",
                    c.name,
                    c.spec.image,
                    svc,
                    c.status_text(),
                    ""
                ),
            );
        }
        0
    }

    fn compose_logs(&self, p: &Project, args: &[String], cli: &mut Cli) -> i32 {
        let mut follow = false;
        let mut tail: Option<usize> = None;
        let mut wanted: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            match a {
                "-f" | "--follow" => follow = true,
                "--no-color" | "--no-log-prefix" | "-t" | "--timestamps" => {}
                "-n" | "--tail" => {
                    tail = args.get(i + 1).and_then(|v| v.parse().ok());
                    i += 1;
                }
                _ if a.starts_with("--tail=") => tail = a["--tail=".len()..].parse().ok(),
                _ => wanted.push(a),
            }
            i += 1;
        }
        let cs: Vec<(String, Arc<Container>)> = self
            .project_containers(&p.name)
            .into_iter()
            .filter(|c| {
                wanted.is_empty()
                    || c.spec
                        .labels
                        .get("com.docker.compose.service")
                        .is_some_and(|s| wanted.contains(&s.as_str()))
            })
            .map(|c| (format!("{}  | ", c.name), c))
            .collect();
        follow_logs(&cs, tail, follow, false, cli, &self.docker.sh.shut);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_follows_compose() {
        let mut env = BTreeMap::new();
        env.insert("A".to_string(), "x".to_string());
        env.insert("E".to_string(), String::new());
        let mut unset = Vec::new();
        assert_eq!(
            interpolate(
                "hub.foundries.io/${FACTORY}/python-rpc-sensors:latest",
                &env,
                &mut unset
            ),
            "hub.foundries.io//python-rpc-sensors:latest"
        );
        assert_eq!(unset, vec!["FACTORY"]);
        assert_eq!(
            interpolate("${A}-$A-${B:-d}-${E:-d}-${E-d}-$$", &env, &mut unset),
            "x-x-d-d--$"
        );
        assert_eq!(
            interpolate("${unterminated", &env, &mut unset),
            "${unterminated"
        );
    }

    #[test]
    fn names_and_env_files() {
        assert_eq!(project_name("Python-RPC Sensors!"), "python-rpcsensors");
        assert_eq!(
            dotenv("# c\nFACTORY=arduino\nX = 'y'\n"),
            vec![
                ("FACTORY".into(), "arduino".into()),
                ("X".into(), "y".into())
            ]
        );
    }
}
