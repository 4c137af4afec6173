//! Processes on a host (the console's tools): starting them and running
//! their handlers; a process that finishes is recorded as a command and
//! leaves its sockets to the kernel.

use super::{Env, Host};
use crate::engine::ctx::Ctx;
use crate::engine::trace::Kind;
use crate::net::tools::{Proc, ProcIo};

impl Host {
    /// Starts a console tool as a process on this host.
    pub fn spawn(&mut self, proc: Proc, cx: &mut Ctx, env: &Env) -> u32 {
        let pid = self.next_pid;
        self.next_pid += 1;
        self.procs.insert(pid, proc);
        self.with_proc_env(pid, cx, env, |p, io| p.start(io));
        self.reschedule(cx);
        pid
    }

    /// Runs a process handler that needs no Service rules (frames, ICMP).
    pub(super) fn with_proc(&mut self, pid: u32, cx: &mut Ctx, f: impl FnOnce(&mut Proc, &mut ProcIo)) {
        self.run_proc(pid, cx, None, f);
    }

    pub(super) fn with_proc_env(&mut self, pid: u32, cx: &mut Ctx, env: &Env, f: impl FnOnce(&mut Proc, &mut ProcIo)) {
        self.run_proc(pid, cx, Some(env), f);
    }

    pub(super) fn run_proc(
        &mut self,
        pid: u32,
        cx: &mut Ctx,
        env: Option<&Env>,
        f: impl FnOnce(&mut Proc, &mut ProcIo),
    ) {
        let Some(mut proc) = self.procs.remove(&pid) else { return };
        let mut io = ProcIo { host: self, cx, env, pid };
        f(&mut proc, &mut io);
        match proc.finished() {
            Some(output) => {
                let (host, cmd, started) = (self.name.clone(), proc.cmd().to_string(), proc.started());
                let stderr_first = proc.stderr_first();
                for q in proc.sockets() {
                    let segs = self.release_socket(q, cx.now);
                    if let Some(env) = env {
                        self.emit_segments(q, segs, cx, env);
                    }
                }
                cx.record(Kind::Command {
                    host,
                    cmd: cmd.into(),
                    started,
                    stdout: output.stdout.into(),
                    stderr: output.stderr.into(),
                    exit: output.exit,
                    stderr_first,
                });
            }
            None => {
                self.procs.insert(pid, proc);
            }
        }
    }
}
