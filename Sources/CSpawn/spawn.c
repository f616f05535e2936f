// A task's process start without glibc's `posix_spawn`, for what it costs per call: glibc maps and
// unmaps a fresh child stack every time (the unmap interrupts the other core to flush its TLB once
// the process has run threads there), and it returns only a pid, so a `pidfd_open` follows. Here
// the child runs on a stack its caller keeps, and `clone` hands the pidfd back (CLONE_PIDFD).
// What the child does is what `posix_spawn` with PosixProcessRunner's attributes and file actions
// does, in the same order. It shares the parent's memory until it execs (CLONE_VM | CLONE_VFORK,
// as glibc's), so it calls only async-signal-safe functions, and the signal calls raw (glibc's
// wrappers refuse or filter its two internal signals).
#define _GNU_SOURCE
#include "CSpawn.h"

#include <errno.h>

#if defined(__linux__)
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/// The kernel's signal sets are 64 bits on Linux's 64-bit ABIs (glibc's `sigset_t` is larger).
typedef uint64_t kernel_sigset;
/// The kernel's `struct sigaction` for SIG_DFL or SIG_IGN: no flags, no restorer, empty mask.
/// Its fields are in this order on x86-64 and arm64; only the handler is ever non-zero.
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    kernel_sigset mask;
};

/// glibc's SIGCANCEL and SIGSETXID: `posix_spawn` leaves them ignored in the child, and so do we.
static int is_glibc_internal_signal(int signal) { return signal == 32 || signal == 33; }

/// Signal n's bit in a kernel signal set.
static kernel_sigset signal_bit(int signal) { return (kernel_sigset)1 << (signal - 1); }

struct child_arguments {
    const sluice_spawn_request *request;
    /// Written by the child before it exits when a step fails; the parent reads it after `clone`
    /// returns, which CLONE_VFORK holds back until the child has exec'd or exited.
    volatile int error;
};

/// Points `target` at `source`. `dup2` onto itself does nothing, not even clear FD_CLOEXEC, so
/// that case clears the flag by hand (as glibc's `posix_spawn` does for a dup2 action).
static int move_descriptor(int source, int target) {
    if (source == target) return fcntl(source, F_SETFD, 0) < 0 ? -1 : 0;
    return dup2(source, target) < 0 ? -1 : 0;
}

static int child_main(void *argument) {
    struct child_arguments *arguments = argument;
    const sluice_spawn_request *request = arguments->request;
    // Every handler back to its default before anything can unblock a signal: a handler of
    // sluice's running here would run on memory shared with the parent. (`execve` would reset the
    // caught ones anyway, but not the ignored ones: SIGPIPE is ignored in sluice.)
    // The real-time signals above glibc's two are reset only when the caller saw them in use
    // (`realtimeInUse`): each reset is a system call made while the parent waits in `clone`. One
    // that got a handler since is still reset by `execve` and stays blocked until then; nothing
    // in sluice ignores one.
    struct kernel_sigaction defaultAction = {0};
    struct kernel_sigaction ignoreAction = {0};
    ignoreAction.handler = SIG_IGN;
    for (int signal = 1; signal <= 64; signal++) {
        if (signal == SIGKILL || signal == SIGSTOP) continue;
        if (signal > 33 && (request->realtimeInUse & signal_bit(signal)) == 0) continue;
        const struct kernel_sigaction *action = is_glibc_internal_signal(signal) ? &ignoreAction : &defaultAction;
        syscall(SYS_rt_sigaction, signal, action, NULL, sizeof(kernel_sigset));
    }
    // Its own process group, so a timeout can signal every descendant.
    if (setpgid(0, 0) != 0) goto failed;
    // Output first: `devNull` is 3 or higher, so neither move can overwrite the other's source,
    // whatever number `output` has (0, 1 or 2 when sluice was started with them closed).
    if (move_descriptor(request->output, 1) != 0) goto failed;
    if (move_descriptor(request->output, 2) != 0) goto failed;
    if (move_descriptor(request->devNull, 0) != 0) goto failed;
    if (chdir(request->directory) != 0) goto failed;
    kernel_sigset none = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(kernel_sigset));
    execve(request->path, request->argv, request->envp);
failed:
    arguments->error = errno;
    _exit(127);
}

uint64_t sluice_spawn_realtime_signals_in_use(void) {
    kernel_sigset inUse = 0;
    for (int signal = 34; signal <= 64; signal++) {
        struct kernel_sigaction current;
        if (syscall(SYS_rt_sigaction, signal, NULL, &current, sizeof(kernel_sigset)) != 0 || current.handler != SIG_DFL) {
            inUse |= signal_bit(signal);
        }
    }
    return inUse;
}

int sluice_spawn(const sluice_spawn_request *request, pid_t *pid, int *pidfd, int *cloneFailed) {
    *pid = -1;
    *pidfd = -1;
    *cloneFailed = 0;
    struct child_arguments arguments = { .request = request, .error = 0 };
    // Every signal blocked (glibc's internal ones too) from before the clone until the child has
    // reset its handlers: no handler of sluice's may run in the child. The parent's mask is back
    // once `clone` returns.
    kernel_sigset all = ~(kernel_sigset)0;
    kernel_sigset previous = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &previous, sizeof(kernel_sigset));
    uintptr_t top = ((uintptr_t)request->stack + request->stackSize) & ~(uintptr_t)15;
    int descriptor = -1;
    pid_t child = clone(child_main, (void *)top, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &arguments, &descriptor);
    int cloneError = errno;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &previous, NULL, sizeof(kernel_sigset));
    if (child < 0) {
        *cloneFailed = 1;
        return cloneError;
    }
    if (arguments.error != 0) {
        int status = 0;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        if (descriptor >= 0) close(descriptor);
        return arguments.error;
    }
    *pid = child;
    *pidfd = descriptor;
    return 0;
}

#else

uint64_t sluice_spawn_realtime_signals_in_use(void) { return ~(uint64_t)0; }

int sluice_spawn(const sluice_spawn_request *request, pid_t *pid, int *pidfd, int *cloneFailed) {
    (void)request;
    *pid = -1;
    *pidfd = -1;
    *cloneFailed = 1;
    return ENOSYS;
}

#endif
