#ifndef SLUICE_CSPAWN_H
#define SLUICE_CSPAWN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// What a task's process is started with: what `PosixProcessRunner`'s `posix_spawn` attributes and
/// file actions say, done by hand (see spawn.c for why).
typedef struct {
    /// The program (`/bin/sh`), its argv and its whole environment, NULL-terminated.
    const char *path;
    char *const *argv;
    char *const *envp;
    /// Becomes the child's descriptors 1 and 2 (the log or the masking pipe).
    int output;
    /// An open `/dev/null` numbered 3 or higher; becomes the child's descriptor 0.
    int devNull;
    /// The child's working directory.
    const char *directory;
    /// The real-time signals (34 to 64; bit n-1 for signal n) the child resets to their default
    /// besides 1 to 33, which it always resets (`sluice_spawn_realtime_signals_in_use`).
    uint64_t realtimeInUse;
    /// Memory the child runs on until it execs: reused from start to start by one thread.
    void *stack;
    size_t stackSize;
} sluice_spawn_request;

/// Starts `request->path` in a new process group, with every signal's disposition at its default
/// (glibc's two internal signals ignored, as `posix_spawn` leaves them), an empty signal mask,
/// stdin from `devNull`, stdout and stderr to `output`, in `directory`.
///
/// Returns 0 with `*pid` and `*pidfd` (a close-on-exec pidfd for the child) set; or an errno:
/// with `*cloneFailed` = 0 it is why the child could not set itself up or exec (the child is
/// reaped already, nothing is left); with `*cloneFailed` = 1 no child was made (ENOSYS, EPERM
/// under a seccomp filter, EINVAL on a kernel without CLONE_PIDFD: the caller falls back to
/// `posix_spawn`; EAGAIN, ENOMEM: the same answer `posix_spawn` would give).
int sluice_spawn(const sluice_spawn_request *request, pid_t *pid, int *pidfd, int *cloneFailed);

/// The real-time signals above glibc's internal two (34 to 64) whose disposition is not the
/// default now, as `realtimeInUse` wants them. Nothing in sluice catches or ignores one, so the
/// runner asks once, when it is made, and its children skip 31 `rt_sigaction` calls each (the
/// parent waits in `clone` through every one). Signals 1 to 31, which sluice and its libraries do
/// catch and ignore (SIGINT, SIGTERM, SIGHUP, SIGPIPE), are reset in every child whatever this says.
uint64_t sluice_spawn_realtime_signals_in_use(void);

#endif
