/*
 * jail.c: the worker's jail (privsep.c), entered as root once its
 * sockets are open and before it reads its first packet:
 *
 *  - its own user: no supplementary groups, real, effective and saved
 *    uid and gid the user's;
 *  - two capabilities, effective and permitted, and a bounding set of
 *    those two only: CAP_NET_ADMIN, which the kernel asks of every
 *    nfnetlink configuration (binding an NFLOG group or an NFQUEUE queue,
 *    a verdict's batch, the nftables tables of --match, conntrack's dump,
 *    SO_RCVBUFFORCE) and so of a reload's new watches; CAP_NET_RAW, for
 *    the packet socket a reload's new pcap watch opens. No other;
 *  - no_new_privs, no core dump, not dumpable;
 *  - Landlock, where the kernel has it: of the file system, nothing is
 *    written, made or removed but beneath the state directory; no TCP
 *    socket is bound or connected (ABI 4 and later). Reading is left to
 *    the user's permissions: a reload reads the configuration, and loads
 *    libraries late (dlopen);
 *  - a seccomp filter (libseccomp, loaded then: a daemon without --user
 *    does not map it), an allow-list: the system calls of the
 *    loop, the sensors, the control socket, the state files and a reload,
 *    and none that starts a program or changes a credential; any other
 *    kills the worker (SIGSYS), which the monitor logs.
 *
 * What it still may do, with CAP_NET_ADMIN: change the network namespace's
 * configuration (routes, rules, addresses, nftables). The README says so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jail.h"

#define KEPT	((1u << CAP_NET_ADMIN) | (1u << CAP_NET_RAW))

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer's check at exit stops the world with ptrace, which the
 * jail forbids: a jailed process is not checked (the sanitizer build's
 * tests without --user are) */
static int jailed;

int	__lsan_is_turned_off(void);

int
__lsan_is_turned_off(void)
{
	return jailed;
}
#define JAILED()	(jailed = 1)
#else
#define JAILED()	((void)0)
#endif

/* the user, or "nobody" when the one asked for by default is missing;
 * -1 and err if none */
int
jail_user(const char *name, bool fallback, struct jail *j, char *err,
    size_t len)
{
	struct passwd *pw;

	if ((pw = getpwnam(name)) == NULL && fallback)
		pw = getpwnam(JAIL_FALLBACK_USER);
	if (pw == NULL) {
		snprintf(err, len, "user: `%s' does not exist", name);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, len, "user: `%s' is root", name);
		return -1;
	}
	snprintf(j->user, sizeof j->user, "%s", pw->pw_name);
	j->uid = pw->pw_uid;
	j->gid = pw->pw_gid;
	return 0;
}

/* The kernel's Landlock ABI beyond what this system's headers know (its
 * include/uapi/linux/landlock.h): the ruleset with network rights (ABI
 * 4), truncation (ABI 3). */
struct ruleset4 {
	uint64_t	 handled_access_fs;
	uint64_t	 handled_access_net;
};
#define FS_TRUNCATE		(1ULL << 14)	/* ABI 3 */
#define NET_BIND_TCP		(1ULL << 0)	/* ABI 4 */
#define NET_CONNECT_TCP		(1ULL << 1)

#define FS_WRITES	(LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | \
	LANDLOCK_ACCESS_FS_MAKE_SYM)

static const struct jail *current;

/* the jail this process is in, or NULL */
const struct jail *
jail_current(void)
{
	return current;
}

static int
caps_set(uint32_t kept)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { kept, kept, 0 },
	    { 0, 0, 0 } };

	return (int)syscall(SYS_capset, &h, d);
}

static const int allowed[] = {
	/* the loop, its timers, signals */
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(epoll_create1), SCMP_SYS(timerfd_create),
	SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime),
	SCMP_SYS(signalfd4), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(restart_syscall),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(select),
	SCMP_SYS(pselect6), SCMP_SYS(epoll_pwait2), SCMP_SYS(eventfd2),
	SCMP_SYS(clock_getres), SCMP_SYS(getrusage), SCMP_SYS(times),
	/* descriptors, memory */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(close),
	SCMP_SYS(close_range), SCMP_SYS(fcntl), SCMP_SYS(dup), SCMP_SYS(dup3),
	SCMP_SYS(lseek), SCMP_SYS(ioctl), SCMP_SYS(brk), SCMP_SYS(mmap),
	SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(mprotect),
	SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(getrandom),
	/* sockets: the sensors (a reload opens new ones), the control
	 * socket, syslog, sd_notify */
	SCMP_SYS(socket), SCMP_SYS(bind), SCMP_SYS(connect), SCMP_SYS(listen),
	SCMP_SYS(accept4), SCMP_SYS(shutdown), SCMP_SYS(setsockopt),
	SCMP_SYS(getsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(sendto), SCMP_SYS(recvfrom), SCMP_SYS(sendmsg),
	SCMP_SYS(recvmsg), SCMP_SYS(sendmmsg), SCMP_SYS(recvmmsg),
	/* files: state files, a reload's configuration, libraries loaded
	 * late (dlopen) */
	SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(newfstatat),
	SCMP_SYS(fstat), SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(access),
	SCMP_SYS(statx), SCMP_SYS(faccessat), SCMP_SYS(faccessat2),
	SCMP_SYS(readlink), SCMP_SYS(readlinkat), SCMP_SYS(getdents64),
	SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(rename),
	SCMP_SYS(renameat), SCMP_SYS(renameat2), SCMP_SYS(mkdir),
	SCMP_SYS(mkdirat), SCMP_SYS(fchmod), SCMP_SYS(fchmodat),
	SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(ftruncate),
	SCMP_SYS(fstatfs), SCMP_SYS(statfs), SCMP_SYS(getcwd),
	SCMP_SYS(umask), SCMP_SYS(flock), SCMP_SYS(pipe2),
	/* refused by the kernel without CAP_CHOWN: an error, not a kill */
	SCMP_SYS(chown), SCMP_SYS(fchown), SCMP_SYS(fchownat),
	SCMP_SYS(lchown), SCMP_SYS(chmod),
	/* who we are */
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getppid),
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid),
	SCMP_SYS(getegid), SCMP_SYS(getgroups), SCMP_SYS(capget),
	SCMP_SYS(uname), SCMP_SYS(sysinfo), SCMP_SYS(prlimit64),
	SCMP_SYS(getrlimit), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(sched_yield), SCMP_SYS(sigaltstack),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(tgkill),
	/* SIGCHLD is handled as in one process: nothing to reap */
	SCMP_SYS(waitid), SCMP_SYS(wait4),
};

/* libseccomp, loaded by the first jail (dlopen): a daemon without --user
 * does not map it */
static struct {
	scmp_filter_ctx	(*init)(uint32_t);
	int		(*attr_set)(scmp_filter_ctx, enum scmp_filter_attr,
			    uint32_t);
	int		(*rule_add)(scmp_filter_ctx, uint32_t, int,
			    unsigned int, ...);
	int		(*load)(const scmp_filter_ctx);
	void		(*release)(scmp_filter_ctx);
} sc;

static bool
sym(void *h, const char *name, void *fp)
{
	void *p = dlsym(h, name);

	memcpy(fp, &p, sizeof p);	/* POSIX: a function's address */
	return p != NULL;
}

static int
seccomp_lib(char *err, size_t len)
{
	void *h;

	if (sc.load != NULL)
		return 0;
	if ((h = dlopen("libseccomp.so.2", RTLD_NOW | RTLD_LOCAL)) == NULL ||
	    !sym(h, "seccomp_init", &sc.init) ||
	    !sym(h, "seccomp_attr_set", &sc.attr_set) ||
	    !sym(h, "seccomp_rule_add", &sc.rule_add) ||
	    !sym(h, "seccomp_release", &sc.release) ||
	    !sym(h, "seccomp_load", &sc.load)) {
		snprintf(err, len, "jail: libseccomp: %s", dlerror());
		sc.load = NULL;
		return -1;
	}
	return 0;
}

static int
seccomp_enter(char *err, size_t len)
{
	scmp_filter_ctx ctx;
	size_t i;
	int r;

	if ((ctx = sc.init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		snprintf(err, len, "seccomp_init failed");
		return -1;
	}
	/* a binary tree of the allowed calls, not a list: what each system
	 * call of the loop pays stays small */
	(void)sc.attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
		if ((r = sc.rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0)) < 0) {
			snprintf(err, len, "seccomp: system call %d: %s",
			    allowed[i], strerror(-r));
			sc.release(ctx);
			return -1;
		}
	r = sc.load(ctx);
	sc.release(ctx);
	if (r < 0) {
		snprintf(err, len, "seccomp_load: %s", strerror(-r));
		return -1;
	}
	return 0;
}

/* Landlock (after no_new_privs): the ABI it has, 0 if none; -1 and err
 * if it has one and refused the ruleset */
static int
landlock_enter(const struct jail *j, char *err, size_t len)
{
	struct ruleset4 rs = { .handled_access_fs = FS_WRITES };
	struct landlock_path_beneath_attr below = { 0 };
	long abi;
	int fd;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return 0;
	if (abi >= 2)
		rs.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		rs.handled_access_fs |= FS_TRUNCATE;
	if (abi >= 4)
		rs.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP;
	if ((fd = (int)syscall(SYS_landlock_create_ruleset, &rs, abi >= 4 ?
	    sizeof rs : sizeof rs.handled_access_fs, 0)) == -1) {
		snprintf(err, len, "jail: landlock_create_ruleset: %s",
		    strerror(errno));
		return -1;
	}
	if (j->write_dir != -1) {
		below.allowed_access = rs.handled_access_fs;
		below.parent_fd = j->write_dir;
		if (syscall(SYS_landlock_add_rule, fd,
		    LANDLOCK_RULE_PATH_BENEATH, &below, 0) == -1) {
			snprintf(err, len, "jail: landlock_add_rule: %s",
			    strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (syscall(SYS_landlock_restrict_self, fd, 0) == -1) {
		snprintf(err, len, "jail: landlock_restrict_self: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return (int)abi;
}

/* Into the jail, for good; -1 and err naming the step that failed. */
int
jail_enter(struct jail *j, char *err, size_t len)
{
	struct rlimit none = { 0, 0 };
	uint32_t kept = j->no_caps ? 0 : KEPT;
	const char *step;
	int cap;

	if (seccomp_lib(err, len) == -1)
		return -1;
	/* while root: the bounding set of the two */
	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!(cap < 32 && (kept & 1u << cap)) && prctl(PR_CAPBSET_DROP,
		    cap, 0, 0, 0) == -1 && errno != EINVAL) {
			step = "prctl(PR_CAPBSET_DROP)";
			goto fail;
		}
	step = "prctl(PR_SET_KEEPCAPS)";
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		goto fail;
	step = "setgroups";
	if (setgroups(0, NULL) == -1)
		goto fail;
	step = "setresgid";
	if (setresgid(j->gid, j->gid, j->gid) == -1)
		goto fail;
	step = "setresuid";
	if (setresuid(j->uid, j->uid, j->uid) == -1)
		goto fail;
	/* the parent gone (the monitor), so are we: set after the
	 * credentials changed, which clears it */
	step = "prctl(PR_SET_PDEATHSIG)";
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == -1)
		goto fail;
	step = "capset";
	if (caps_set(kept) == -1)
		goto fail;
	step = "prctl(PR_CAP_AMBIENT)";
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		goto fail;
	step = "no core dumps";
	if (setrlimit(RLIMIT_CORE, &none) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		goto fail;
	step = "prctl(PR_SET_NO_NEW_PRIVS)";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		goto fail;
	JAILED();
	if ((j->landlock = landlock_enter(j, err, len)) == -1 ||
	    seccomp_enter(err, len) == -1)
		return -1;
	current = j;
	return 0;
fail:
	snprintf(err, len, "jail: %s: %s", step, strerror(errno));
	return -1;
}
