//! `docker compose` (v2): `up [-d]`, `down`, `ps`, `logs [-f] [--tail N]`, `stop`, `start`,
//! `restart`, `config`, `version`, with `-f FILE`, `-p NAME` and `--project-directory`.
//!
//! Interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$VAR`, `$$`, from the
//! shell environment, then the project's `.env`. An unset variable gives compose's warning and
//! a blank string; with `${FACTORY}` unset the python-rpc-sensors image becomes
//! `hub.foundries.io//python-rpc-sensors:latest`, which compose rejects with
//! `invalid reference format` (compose validates references locally, before any pull, so
//! the message has no "Error response from daemon" prefix).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::docker::{
    Cli, Container, FsView, HealthOverride, RunSpec, base_image, check_ref, follow_logs,
    go_duration, is_official, join_path, normalize_ref, pull_error, test_from_list,
};
use super::template::tabulate;
use super::yaml::{self, Yaml};
use super::{Services, put};

const FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

fn interpolate(
    s: &str,
    vars: &dyn Fn(&str) -> Option<String>,
    missing: &mut Vec<String>,
) -> String {
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
        if chars.get(i + 1) == Some(&'$') {
            out.push('$');
            i += 2;
            continue;
        }
        if chars.get(i + 1) == Some(&'{') {
            let Some(end) = chars[i + 2..].iter().position(|c| *c == '}') else {
                out.push(c);
                i += 1;
                continue;
            };
            let inner: String = chars[i + 2..i + 2 + end].iter().collect();
            let (name, default, colon) = if let Some((n, d)) = inner.split_once(":-") {
                (n.to_string(), Some(d.to_string()), true)
            } else if let Some((n, d)) = inner.split_once('-') {
                (n.to_string(), Some(d.to_string()), false)
            } else {
                (inner.clone(), None, false)
            };
            let v = vars(&name);
            let val = match (v, default) {
                (Some(v), Some(d)) if colon && v.is_empty() => d,
                (Some(v), _) => v,
                (None, Some(d)) => d,
                (None, None) => {
                    if !missing.contains(&name) {
                        missing.push(name);
                    }
                    String::new()
                }
            };
            out.push_str(&val);
            i += 3 + end;
            continue;
        }
        let name: String = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
            .collect();
        if name.is_empty() {
            out.push('$');
            i += 1;
            continue;
        }
        match vars(&name) {
            Some(v) => out.push_str(&v),
            None => {
                if !missing.contains(&name) {
                    missing.push(name.clone());
                }
            }
        }
        i += 1 + name.chars().count();
    }
    out
}

fn interp_yaml(y: &Yaml, vars: &dyn Fn(&str) -> Option<String>, missing: &mut Vec<String>) -> Yaml {
    match y {
        Yaml::Str(s) => Yaml::Str(interpolate(s, vars, missing)),
        Yaml::List(l) => Yaml::List(l.iter().map(|x| interp_yaml(x, vars, missing)).collect()),
        Yaml::Map(m) => Yaml::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), interp_yaml(v, vars, missing)))
                .collect(),
        ),
        Yaml::Null => Yaml::Null,
    }
}

struct Project {
    name: String,
    dir: String,
    services: Vec<(String, Yaml)>,
}

/// A service's `healthcheck:` (compose-spec 05-services.md at 2f44add, "healthcheck"; the
/// same text in docker/docs content/includes/compose/services-healthcheck.md at 202475f):
/// `test` is a string (a `CMD-SHELL` line) or a list starting with `NONE`, `CMD` or
/// `CMD-SHELL`; `interval`, `timeout`, `start_period` are durations; `retries` a number;
/// `disable: true` turns off the image's HEALTHCHECK. Fields left out keep the image's
/// values ("Your Compose file can override the values set in the Dockerfile").
fn health_override(svc: &str, y: &Yaml) -> Result<HealthOverride, String> {
    let bad = |k: &str, v: &str| format!("services.{svc}.healthcheck.{k}: invalid value {v:?}");
    let mut o = HealthOverride {
        disable: y.get("disable").is_some_and(Yaml::truthy),
        ..HealthOverride::default()
    };
    match y.get("test") {
        None | Some(Yaml::Null) => {}
        Some(Yaml::Str(line)) => {
            o.test = Some(vec!["/bin/sh".into(), "-c".into(), line.clone()]);
        }
        Some(list) => {
            match test_from_list(&list.strings()).map_err(|e| format!("services.{svc}.{e}"))? {
                Some(t) => o.test = Some(t),
                None => o.disable = true,
            }
        }
    }
    for (k, slot) in [
        ("interval", &mut o.interval),
        ("timeout", &mut o.timeout),
        ("start_period", &mut o.start_period),
    ] {
        if let Some(v) = y.get(k).and_then(Yaml::as_str) {
            *slot = Some(go_duration(v).ok_or_else(|| bad(k, v))?);
        }
    }
    if let Some(v) = y.get("retries").and_then(Yaml::as_str) {
        o.retries = Some(v.parse().map_err(|_| bad("retries", v))?);
    }
    Ok(o)
}

fn normalize_project(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

fn env_list(y: Option<&Yaml>) -> Vec<String> {
    match y {
        Some(Yaml::Map(m)) => m
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect(),
        Some(other) => other.strings(),
        None => Vec::new(),
    }
}

/// `command:` and `entrypoint:` (compose-spec 05-services.md, "command": "The value can also
/// be a list"): a list is taken as it is; a string is split as a shell splits words, without
/// a shell running it (compose's `ShellCommand`), so `python -u main.py` is three words and a
/// block scalar's line breaks separate words too.
fn shell_command(y: &Yaml) -> Vec<String> {
    match y {
        Yaml::Str(line) => shell_words::split(line)
            .unwrap_or_else(|_| line.split_whitespace().map(str::to_string).collect()),
        other => other.strings(),
    }
}

impl Services {
    fn load_project(
        &self,
        opts: &ComposeOpts,
        cwd: &str,
        env: &BTreeMap<String, String>,
        fs: &dyn FsView,
        cli: &mut Cli,
    ) -> Option<Project> {
        let base = opts
            .project_dir
            .as_ref()
            .map(|d| join_path(cwd, d))
            .unwrap_or_else(|| cwd.to_string());
        let file = match &opts.file {
            Some(f) => {
                let p = join_path(&base, f);
                if !fs.exists(&p) {
                    put(cli.err, &format!("open {p}: no such file or directory\n"));
                    return None;
                }
                p
            }
            None => {
                let mut dir = base.clone();
                loop {
                    if let Some(f) = FILES
                        .iter()
                        .map(|f| join_path(&dir, f))
                        .find(|p| fs.exists(p))
                    {
                        break f;
                    }
                    if dir == "/" {
                        put(cli.err, "no configuration file provided: not found\n");
                        return None;
                    }
                    dir = join_path(&dir, "..");
                }
            }
        };
        let dir = opts
            .project_dir
            .as_ref()
            .map(|d| join_path(cwd, d))
            .unwrap_or_else(|| join_path(&file, ".."));
        let text = match fs.read(&file) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                put(cli.err, &format!("open {file}: {e}\n"));
                return None;
            }
        };
        let doc = match yaml::parse(&text) {
            Ok(d) => d,
            Err(e) => {
                put(cli.err, &format!("{e}\n"));
                return None;
            }
        };
        let mut dotenv: BTreeMap<String, String> = BTreeMap::new();
        if let Ok(b) = fs.read(&join_path(&dir, ".env")) {
            for l in String::from_utf8_lossy(&b).lines() {
                let l = l.trim();
                if l.starts_with('#') {
                    continue;
                }
                if let Some((k, v)) = l.split_once('=') {
                    dotenv.insert(
                        k.trim().to_string(),
                        v.trim().trim_matches(|c| c == '"' || c == '\'').to_string(),
                    );
                }
            }
        }
        let vars = |k: &str| env.get(k).cloned().or_else(|| dotenv.get(k).cloned());
        let mut missing = Vec::new();
        let doc = interp_yaml(&doc, &vars, &mut missing);
        for m in &missing {
            put(
                cli.err,
                &format!(
                    "WARN[0000] The \"{m}\" variable is not set. Defaulting to a blank string. \n"
                ),
            );
        }
        let Some(Yaml::Map(services)) = doc.get("services").cloned() else {
            put(cli.err, "no service selected\n");
            return None;
        };
        let name = opts
            .project
            .clone()
            .or_else(|| env.get("COMPOSE_PROJECT_NAME").cloned())
            .or_else(|| doc.get("name").and_then(|n| n.as_str()).map(str::to_string))
            .unwrap_or_else(|| dir.rsplit('/').next().unwrap_or("default").to_string());
        Some(Project {
            name: normalize_project(&name),
            dir,
            services,
        })
    }

    fn project_containers(&self, p: &Project) -> Vec<(String, Arc<Container>)> {
        let mut v = Vec::new();
        for c in self.docker.containers() {
            if c.spec.labels.get("com.docker.compose.project") == Some(&p.name) {
                let svc = c
                    .spec
                    .labels
                    .get("com.docker.compose.service")
                    .cloned()
                    .unwrap_or_default();
                v.push((svc, c));
            }
        }
        v
    }

    pub(super) fn compose(
        &self,
        args: &[String],
        cwd: &str,
        env: &BTreeMap<String, String>,
        fs: &dyn FsView,
        cli: &mut Cli,
    ) -> i32 {
        let mut opts = ComposeOpts::default();
        let mut i = 0;
        while i < args.len() && args[i].starts_with('-') {
            let a = args[i].as_str();
            match a {
                "-f" | "--file" => {
                    opts.file = args.get(i + 1).cloned();
                    i += 1;
                }
                "-p" | "--project-name" => {
                    opts.project = args.get(i + 1).cloned();
                    i += 1;
                }
                "--project-directory" => {
                    opts.project_dir = args.get(i + 1).cloned();
                    i += 1;
                }
                "--env-file" | "--profile" | "--ansi" | "--progress" => i += 1,
                "-v" | "--version" => {
                    put(cli.out, "Docker Compose version v2.20.3\n");
                    return 0;
                }
                _ => {
                    if let Some(v) = a.strip_prefix("--file=") {
                        opts.file = Some(v.into());
                    } else if let Some(v) = a.strip_prefix("--project-directory=") {
                        opts.project_dir = Some(v.into());
                    } else if let Some(v) = a.strip_prefix("--project-name=") {
                        opts.project = Some(v.into());
                    }
                }
            }
            i += 1;
        }
        let Some(verb) = args.get(i) else {
            put(
                cli.out,
                "\nUsage:  docker compose [OPTIONS] COMMAND\n\nDefine and run multi-container applications with Docker.\n",
            );
            return 0;
        };
        let rest: Vec<String> = args[i + 1..].to_vec();
        if verb == "version" {
            put(cli.out, "Docker Compose version v2.20.3\n");
            return 0;
        }
        let known = [
            "up", "down", "ps", "logs", "stop", "start", "restart", "config", "build", "pull", "rm",
        ];
        if !known.contains(&verb.as_str()) {
            put(
                cli.err,
                &format!("unknown docker command: \"compose {verb}\"\n"),
            );
            return 1;
        }
        let Some(p) = self.load_project(&opts, cwd, env, fs, cli) else {
            return 1;
        };
        let flag = |f: &str| rest.iter().any(|a| a == f);
        match verb.as_str() {
            "config" => {
                put(cli.out, &format!("name: {}\nservices:\n", p.name));
                for (n, s) in &p.services {
                    put(cli.out, &format!("  {n}:\n"));
                    if let Some(img) = s.get("image").and_then(|x| x.as_str()) {
                        put(cli.out, &format!("    image: {img}\n"));
                    }
                }
                0
            }
            "up" => self.compose_up(&p, flag("-d") || flag("--detach"), fs, cli),
            "down" | "stop" | "rm" => {
                let cs = self.project_containers(&p);
                let mut lines = Vec::new();
                for (_, c) in &cs {
                    self.docker.stop(c, true);
                    if verb == "stop" {
                        lines.push(format!(" ✔ Container {}\tStopped\t0.3s", c.name()));
                    } else {
                        self.docker.remove(c);
                        lines.push(format!(" ✔ Container {}\tRemoved\t0.3s", c.name()));
                    }
                }
                if verb == "down" {
                    lines.push(format!(" ✔ Network {}_default\tRemoved\t0.1s", p.name));
                }
                put(cli.err, &format!("[+] Running {0}/{0}\n", lines.len()));
                put(cli.err, &tabulate(&lines));
                0
            }
            "start" | "restart" => {
                let cs = self.project_containers(&p);
                for (_, c) in &cs {
                    if verb == "restart" {
                        self.docker.stop(c, true);
                    }
                    self.docker.start(c);
                }
                put(cli.err, &format!("[+] Running {0}/{0}\n", cs.len()));
                let lines: Vec<String> = cs
                    .iter()
                    .map(|(_, c)| format!(" ✔ Container {}\tStarted\t0.3s", c.name()))
                    .collect();
                put(cli.err, &tabulate(&lines));
                0
            }
            "ps" => {
                let all = flag("-a") || flag("--all");
                let mut rows =
                    vec!["NAME\tIMAGE\tCOMMAND\tSERVICE\tCREATED\tSTATUS\tPORTS".to_string()];
                for (svc, c) in self.project_containers(&p) {
                    let info = c.info();
                    if !all && info.status == super::docker::Status::Exited {
                        continue;
                    }
                    rows.push(format!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t",
                        c.name(),
                        c.spec.image,
                        c.command_text(true),
                        svc,
                        super::docker::human_duration(
                            std::time::SystemTime::now()
                                .duration_since(c.created)
                                .unwrap_or_default()
                        ) + " ago",
                        c.status_text()
                    ));
                }
                put(cli.out, &tabulate(&rows));
                0
            }
            "logs" => {
                let follow = flag("-f") || flag("--follow");
                let mut tail = None;
                let mut k = 0;
                while k < rest.len() {
                    if rest[k] == "--tail" || rest[k] == "-n" {
                        tail = rest.get(k + 1).and_then(|v| v.parse().ok());
                        k += 1;
                    } else if let Some(v) = rest[k].strip_prefix("--tail=") {
                        tail = v.parse().ok();
                    }
                    k += 1;
                }
                let cs = self.project_containers(&p);
                let w = cs.iter().map(|(s, _)| s.len() + 4).max().unwrap_or(0);
                let with_prefix: Vec<(String, Arc<Container>)> = cs
                    .into_iter()
                    .map(|(s, c)| (format!("{:<w$}| ", format!("{s}-1")), c))
                    .collect();
                follow_logs(
                    &with_prefix,
                    tail,
                    follow,
                    false,
                    cli,
                    self.docker.shut_ref(),
                );
                0
            }
            "build" | "pull" => {
                for (n, s) in &p.services {
                    if verb == "pull" && s.get("build").is_none() {
                        let img = s.get("image").and_then(|x| x.as_str()).unwrap_or(n);
                        put(cli.err, &format!("{}\n", pull_error(img)));
                        return 1;
                    }
                }
                0
            }
            _ => 1,
        }
    }

    fn compose_up(&self, p: &Project, detach: bool, fs: &dyn FsView, cli: &mut Cli) -> i32 {
        let mut planned: Vec<(String, RunSpec)> = Vec::new();
        for (svc, s) in &p.services {
            let image = match s.get("image").and_then(|x| x.as_str()) {
                Some(i) => i.to_string(),
                None => format!("{}-{svc}", p.name),
            };
            if let Err(e) = check_ref(&image) {
                put(cli.err, &format!("{e}\n"));
                return 1;
            }
            if self.docker.image(&image).is_none() {
                match s.get("build") {
                    Some(b) => {
                        let ctx = b
                            .as_str()
                            .map(str::to_string)
                            .or_else(|| {
                                b.get("context")
                                    .and_then(|x| x.as_str())
                                    .map(str::to_string)
                            })
                            .unwrap_or_else(|| ".".into());
                        let mut args = vec!["build".to_string(), "-t".into(), image.clone()];
                        if let Some(df) = b.get("dockerfile").and_then(|x| x.as_str()) {
                            args.push("-f".into());
                            args.push(join_path(&join_path(&p.dir, &ctx), df));
                        }
                        args.push(ctx);
                        let env = BTreeMap::new();
                        let code = self.docker(&args, &p.dir, &env, fs, cli.out, cli.err);
                        if code != 0 {
                            return code;
                        }
                    }
                    None if !self.faults.has(crate::faults::Fault::NoNetwork)
                        && is_official(&image) =>
                    {
                        put(
                            cli.err,
                            &format!("[+] Pulling 1/1\n ✔ {svc} Pulled\t2.1s\n"),
                        );
                        self.docker.add_image(base_image(&image));
                    }
                    None => {
                        put(cli.err, &format!("[+] Running 1/1\n ✘ {svc} Error\t0.3s\n"));
                        put(cli.err, &format!("{}\n", pull_error(&image)));
                        return 1;
                    }
                }
            }
            let mut labels = BTreeMap::new();
            labels.insert("com.docker.compose.project".to_string(), p.name.clone());
            labels.insert("com.docker.compose.service".to_string(), svc.clone());
            labels.insert(
                "com.docker.compose.project.working_dir".to_string(),
                p.dir.clone(),
            );
            let network = s
                .get("network_mode")
                .and_then(|x| x.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| format!("{}_default", p.name));
            let health = match s.get("healthcheck") {
                Some(h) => match health_override(svc, h) {
                    Ok(o) => Some(o),
                    Err(e) => {
                        put(cli.err, &format!("{e}\n"));
                        return 1;
                    }
                },
                None => None,
            };
            let spec = RunSpec {
                health,
                name: Some(
                    s.get("container_name")
                        .and_then(|x| x.as_str())
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("{}-{svc}-1", p.name)),
                ),
                image: image.clone(),
                restart: s
                    .get("restart")
                    .and_then(|x| x.as_str())
                    .unwrap_or("no")
                    .to_string(),
                env: env_list(s.get("environment")),
                tty: s.get("tty").is_some_and(Yaml::truthy),
                interactive: s.get("stdin_open").is_some_and(Yaml::truthy),
                read_only: s.get("read_only").is_some_and(Yaml::truthy),
                network,
                extra_hosts: env_list(s.get("extra_hosts")),
                ports: s.get("ports").map(Yaml::strings).unwrap_or_default(),
                volumes: s.get("volumes").map(Yaml::strings).unwrap_or_default(),
                devices: s.get("devices").map(Yaml::strings).unwrap_or_default(),
                rm: false,
                detach,
                user: s
                    .get("user")
                    .and_then(|x| x.as_str())
                    .unwrap_or("")
                    .to_string(),
                cmd: s.get("command").map(shell_command).unwrap_or_default(),
                entrypoint: s.get("entrypoint").map(shell_command),
                labels,
            };
            planned.push((svc.clone(), spec));
        }
        let mut lines = vec![format!(" ✔ Network {}_default\tCreated\t0.1s", p.name)];
        let mut started = Vec::new();
        for (svc, spec) in planned {
            let name = spec.name.clone().unwrap_or_default();
            let existing = self.docker.find(&name);
            let c = match existing {
                Some(c) if normalize_ref(&c.spec.image) == normalize_ref(&spec.image) => {
                    lines.push(format!(" ✔ Container {name}\tRunning\t0.0s"));
                    c
                }
                other => {
                    if let Some(old) = other {
                        self.docker.remove(&old);
                    }
                    let Some(img) = self.docker.image(&spec.image) else {
                        put(cli.err, &format!("{}\n", pull_error(&spec.image)));
                        return 1;
                    };
                    match self.docker.create_pub(spec, img) {
                        Ok(c) => {
                            lines.push(format!(" ✔ Container {name}\tStarted\t0.3s"));
                            c
                        }
                        Err(e) => {
                            put(cli.err, &format!("Error response from daemon: {e}\n"));
                            return 1;
                        }
                    }
                }
            };
            self.docker.start(&c);
            started.push((svc, c));
        }
        put(cli.err, &format!("[+] Running {0}/{0}\n", lines.len()));
        put(cli.err, &tabulate(&lines));
        if detach {
            return 0;
        }
        let w = started.iter().map(|(s, _)| s.len() + 4).max().unwrap_or(0);
        let with_prefix: Vec<(String, Arc<Container>)> = started
            .into_iter()
            .map(|(s, c)| (format!("{:<w$}| ", format!("{s}-1")), c))
            .collect();
        put(
            cli.out,
            &format!(
                "Attaching to {}\n",
                with_prefix
                    .iter()
                    .map(|(_, c)| c.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        follow_logs(&with_prefix, None, true, false, cli, self.docker.shut_ref());
        0
    }
}

#[derive(Default)]
struct ComposeOpts {
    file: Option<String>,
    project: Option<String>,
    project_dir: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation() {
        let vars = |k: &str| match k {
            "A" => Some("x".to_string()),
            "E" => Some(String::new()),
            _ => None,
        };
        let mut m = Vec::new();
        assert_eq!(interpolate("a/${FACTORY}/b", &vars, &mut m), "a//b");
        assert_eq!(m, vec!["FACTORY".to_string()]);
        assert_eq!(interpolate("${A}$A$$${E:-d}${N-z}", &vars, &mut m), "xx$dz");
    }
}
