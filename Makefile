# tuninetd: a plain Makefile with pkg-config.
#   make             bin/tuninetd, bin/tuntapd, bin/tuninetctl
#   make check       unit and integration tests (as root), ends "N passed, N failed"
#   make demo        a start/stop cycle on a throwaway pair of namespaces (as root)
#   make install     PREFIX=/usr/local DESTDIR=
#   make deb         the Debian package (dpkg-buildpackage -us -uc -b), in ..,
#                    built in a copy: the tree is left as it was
#   make deps        the Debian packages to build and test (as root)
#   make bench       the performance figures against tcpdump (QUICK=1: < 1 min)
#   make soak        thousands of start/stop cycles; memory and fds flat
#   make fuzz        the decoder and the JSON reader under libFuzzer, each for
#                    FUZZ_SECONDS (default 60)
#   SANITIZE=1       build with ASan+UBSan into build/san/ (make check SANITIZE=1)

VERSION	= 2.0.0
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/tuninetd
MANDIR	?= $(PREFIX)/share/man
DOCDIR	?= $(PREFIX)/share/doc/tuninetd
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

CC	?= cc
PKGS	= libpcap libmnl libnetfilter_log libnetfilter_queue libnetfilter_conntrack inih
CFLAGS	?= -O2 -g
WARN	= -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes -Wformat=2 -Wcast-qual -Wpointer-arith
ALL_CFLAGS = $(WARN) $(CFLAGS) -DVERSION='"$(VERSION)"' \
	  $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libnftnl linked in (what --match uses of it, and nothing resident for
# a daemon without); libnftables is loaded by --match itself (dlopen)
LIBS	= -Wl,-Bstatic -lnftnl -Wl,-Bdynamic \
	  $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lpcap -lmnl -lnetfilter_log -lnetfilter_queue -lnetfilter_conntrack -linih)

ifeq ($(SANITIZE),1)
SAN	= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ALL_CFLAGS += $(SAN)
LDFLAGS += $(SAN)
OBJ	= build/san
BIN	= build/san/bin
else
OBJ	= build/obj
BIN	= bin
endif
ifeq ($(WERROR),1)
ALL_CFLAGS += -Werror
endif

DAEMON_SRCS = tuninetd.c options.c conf.c config.c loop.c fsm.c stats.c watch.c watch_say.c watch_show.c daemon.c plan.c statefile.c safepath.c hook.c env.c json.c json_read.c log.c \
	  control.c control_cmd.c metrics.c \
	  sensor.c nl.c sensor_pcap.c sensor_nflog.c sensor_nfqueue.c nfqueue_held.c sensor_conntrack.c \
	  packet.c packet_text.c text.c dns.c \
	  savefile.c capture.c ifwatch.c notify.c replay.c replay_report.c \
	  duration.c \
	  watch_session.c sensor_nft.c nft_compile.c nft_rules.c dns_keep.c \
	  privsep.c monitor.c privsep_msg.c jail.c
# (--match and --session last: their pages stay apart from the code every
# daemon runs, and are not read in with it)
DAEMON_OBJS = $(DAEMON_SRCS:%.c=$(OBJ)/%.o)

UNIT_TESTS = test_options test_config test_fsm test_watch test_plan test_loop test_json test_metrics \
	  test_packet test_replay test_dns test_privsep_msg
UNIT_BINS = $(UNIT_TESTS:%=$(OBJ)/tests/%)

TUNTAPD_SRCS = tuntapd.c loop.c log.c packet.c packet_text.c text.c
TUNTAPD_OBJS = $(TUNTAPD_SRCS:%.c=$(OBJ)/%.o)

CTL_SRCS = tuninetctl.c tuninetctl_show.c json.c json_read.c duration.c text.c
CTL_OBJS = $(CTL_SRCS:%.c=$(OBJ)/%.o)

all: $(BIN)/tuninetd $(BIN)/tuntapd $(BIN)/tuninetctl

$(OBJ)/%.o: src/%.c src/*.h | $(OBJ)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(OBJ) $(BIN) $(OBJ)/tests:
	mkdir -p $@

$(BIN)/tuninetd: $(DAEMON_OBJS) | $(BIN)
	$(CC) $(LDFLAGS) -o $@ $(DAEMON_OBJS) $(LIBS)

$(BIN)/tuntapd: $(TUNTAPD_OBJS) | $(BIN)
	$(CC) $(LDFLAGS) -o $@ $(TUNTAPD_OBJS)

$(BIN)/tuninetctl: $(CTL_OBJS) | $(BIN)
	$(CC) $(LDFLAGS) -o $@ $(CTL_OBJS) -lm

# unit tests: cmocka, each against the pure modules it lists (and the
# library of LIBS_<name>)
$(OBJ)/tests/test_%: tests/unit/test_%.c | $(OBJ)/tests
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $^ $(LDFLAGS) -lcmocka $(LIBS_$*)
# conf.o reads --dns-name's patterns with dns.o (which loads libresolv
# itself, for the queries)
CONF_OBJS = $(OBJ)/conf.o $(OBJ)/dns.o $(OBJ)/packet.o
$(OBJ)/tests/test_options: $(OBJ)/options.o $(CONF_OBJS)
$(OBJ)/tests/test_fsm: $(OBJ)/fsm.o
$(OBJ)/tests/test_plan: $(OBJ)/plan.o $(CONF_OBJS)
# the watch's glue, against a fake sensor, clock, hook and loop
$(OBJ)/tests/test_watch: $(OBJ)/watch.o $(OBJ)/watch_say.o $(OBJ)/watch_show.o \
	  $(OBJ)/watch_session.o $(OBJ)/fsm.o \
	  $(OBJ)/stats.o $(OBJ)/conf.o $(OBJ)/dns.o $(OBJ)/env.o $(OBJ)/packet.o \
	  $(OBJ)/packet_text.o $(OBJ)/text.o $(OBJ)/statefile.o $(OBJ)/safepath.o
$(OBJ)/tests/test_config: $(OBJ)/config.o $(CONF_OBJS)
LIBS_config = -linih
# replay against captures the test writes (libpcap, no root)
$(OBJ)/tests/test_replay: $(OBJ)/replay.o $(OBJ)/capture.o \
	  $(OBJ)/replay_report.o $(OBJ)/fsm.o $(OBJ)/conf.o $(OBJ)/dns.o $(OBJ)/json.o \
	  $(OBJ)/packet.o $(OBJ)/packet_text.o $(OBJ)/text.o $(OBJ)/duration.o
LIBS_replay = -lpcap
$(OBJ)/tests/test_json: $(OBJ)/json.o $(OBJ)/json_read.o
$(OBJ)/tests/test_metrics: $(OBJ)/metrics.o $(OBJ)/stats.o $(OBJ)/fsm.o
$(OBJ)/tests/test_loop: $(OBJ)/loop.o $(OBJ)/log.o
$(OBJ)/tests/test_packet: $(OBJ)/packet.o $(OBJ)/packet_text.o $(OBJ)/text.o
$(OBJ)/tests/test_dns: $(OBJ)/dns.o $(OBJ)/packet.o
$(OBJ)/tests/test_privsep_msg: $(OBJ)/privsep_msg.o

# test helpers: small C programs that send and record for the tests
TOOLS = sendudp tcpchat vlansend notifylisten udpecho
TOOL_BINS = $(TOOLS:%=$(OBJ)/tools/%)
$(OBJ)/tools/%: tests/tools/%.c
	@mkdir -p $(OBJ)/tools
	$(CC) -O2 -Wall -o $@ $<

# the decoder under libFuzzer, ASan and UBSan, for FUZZ_SECONDS; new
# inputs go to build/fuzz/corpus, the committed seeds stay as they are
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
build/fuzz/fuzz_packet: tests/fuzz/fuzz_packet.c src/packet.c src/packet_text.c src/text.c \
	  src/packet.h
	@mkdir -p build/fuzz/corpus
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -Isrc -o $@ $(filter %.c,$^)

# --dns-name's reading of a query: what strangers send to port 53
build/fuzz/fuzz_dns: tests/fuzz/fuzz_dns.c src/dns.c src/packet.c src/dns.h \
	  src/packet.h
	@mkdir -p build/fuzz/corpus_dns
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -Isrc -o $@ $(filter %.c,$^)

# the monitor's reader of the worker's requests (--user): what a worker
# taken over may send the process that keeps root
build/fuzz/fuzz_privsep: tests/fuzz/fuzz_privsep.c src/privsep_msg.c \
	  src/privsep_msg.h
	@mkdir -p build/fuzz/corpus_privsep
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -Isrc -o $@ $(filter %.c,$^)

# the JSON reader, which reads what any peer of the control socket sends
build/fuzz/fuzz_json: tests/fuzz/fuzz_json.c src/json.c src/json_read.c src/json.h
	@mkdir -p build/fuzz/corpus_json
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -Isrc -o $@ $(filter %.c,$^)

fuzz: deps build/fuzz/fuzz_packet build/fuzz/fuzz_json build/fuzz/fuzz_dns \
	  build/fuzz/fuzz_privsep
	build/fuzz/fuzz_packet -max_total_time=$(FUZZ_SECONDS) -max_len=2048 \
	  -print_final_stats=1 build/fuzz/corpus tests/fuzz/corpus
	build/fuzz/fuzz_json -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  -print_final_stats=1 build/fuzz/corpus_json tests/fuzz/corpus_json
	build/fuzz/fuzz_dns -max_total_time=$(FUZZ_SECONDS) -max_len=1024 \
	  -print_final_stats=1 build/fuzz/corpus_dns tests/fuzz/corpus_dns
	build/fuzz/fuzz_privsep -max_total_time=$(FUZZ_SECONDS) -max_len=9000 \
	  -print_final_stats=1 build/fuzz/corpus_privsep tests/fuzz/corpus_privsep

# the benchmark: tuninetd against tcpdump in the same run (as root); the
# hooks it times are static, so that the dynamic loader is not timed
BENCH_STATIC = stamp gatehook
build/bench/%: bench/%.c
	@mkdir -p build/bench
	$(CC) -O2 -Wall $(if $(filter $*,$(BENCH_STATIC)),-static) -o $@ $<
build/bench/%: tests/tools/%.c
	@mkdir -p build/bench
	$(CC) -O2 -Wall -o $@ $<

bench: deps
	$(MAKE) all build/bench/blast build/bench/stamp build/bench/gatehook \
	  build/bench/tcpchat build/bench/notifylisten
	bench/bench.sh $(abspath $(BIN)) $(abspath build/bench) $(QUICK)

# the soak test: thousands of cycles, memory and fds flat (as root)
SOAK_CYCLES ?= 3000
soak: deps
	$(MAKE) all build/obj/tools/sendudp build/bench/stamp
	tests/soak.sh $(abspath $(BIN)) $(abspath build/obj/tools) $(abspath build/bench/stamp) $(SOAK_CYCLES)

# (systemd: the package's postinst makes the worker's user with
# systemd-sysusers, and t_deb installs the package; nothing boots it)
DEB_PKGS = build-essential pkg-config libpcap-dev libmnl-dev libinih-dev \
	  libnftnl-dev libnftables-dev \
	  libnetfilter-log-dev libnetfilter-queue-dev libnetfilter-conntrack-dev \
	  conntrack libcmocka-dev nftables iptables curl iproute2 tcpdump python3 \
	  iputils-ping procps clang libclang-rt-dev valgrind \
	  dpkg-dev debhelper lintian mandoc man-db openssl openssh-server \
	  openssh-client openvpn rsyslog bsdutils python3-prometheus-client \
	  util-linux strace dnsmasq-base bind9-dnsutils libseccomp-dev \
	  systemd

deps:
	@missing=; \
	if command -v dpkg-query >/dev/null; then \
	  for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    echo "make deps: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  fi; \
	else echo "make deps: not a Debian system; install the equivalents of: $(DEB_PKGS)"; fi

# make check: the plain build, then the same suite against an ASan+UBSan
# build, one start/stop cycle of each sensor under valgrind, and the
# decoder's fuzzer for FUZZ_CHECK_SECONDS and the JSON reader's for
# FUZZ_JSON_CHECK_SECONDS; make check SANITIZE=1: the
# suite against the sanitizer build alone.
FUZZ_CHECK_SECONDS ?= 30
FUZZ_JSON_CHECK_SECONDS ?= 10
check: deps
ifeq ($(SANITIZE),1)
	$(MAKE) SANITIZE=1 all $(UNIT_BINS) $(TOOL_BINS)
	tests/run san:$(abspath build/san/bin):$(abspath build/san)
else
	$(MAKE) all $(UNIT_BINS) $(TOOL_BINS)
	$(MAKE) SANITIZE=1 all $(subst build/obj,build/san,$(UNIT_BINS) $(TOOL_BINS))
	$(MAKE) build/fuzz/fuzz_packet build/fuzz/fuzz_json build/fuzz/fuzz_dns \
	  build/fuzz/fuzz_privsep
	tests/run --fuzz build/fuzz/fuzz_packet $(FUZZ_CHECK_SECONDS) \
	  --fuzz build/fuzz/fuzz_json $(FUZZ_JSON_CHECK_SECONDS) \
	  --fuzz build/fuzz/fuzz_dns $(FUZZ_JSON_CHECK_SECONDS) \
	  --fuzz build/fuzz/fuzz_privsep $(FUZZ_JSON_CHECK_SECONDS) \
	  plain:$(abspath bin):$(abspath build/obj) \
	  san:$(abspath build/san/bin):$(abspath build/san)
endif

demo: deps
	$(MAKE) all
	demo/tuninetd-demo $(abspath $(BIN))/tuninetd

# the units and their helper name where things are installed (written
# straight to their place, so a PREFIX of an earlier install never stays)
SUBST_DIRS = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
	  -e 's|@DOCDIR@|$(DOCDIR)|g'
UNITS	= tuninetd@.service tuninetd.service
# the examples, where the units and tuninetd-instance point; hooks executable
EXAMPLES = $(wildcard examples/*)

# /etc/tuninetd is made, and left empty: the units read
# /etc/tuninetd/tuninetd.conf, and tuninetd.service starts only once it
# exists (the README says why no commented-out copy is shipped there)
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(LIBEXECDIR) \
	  $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	  $(DESTDIR)$(BASHCOMPDIR) \
	  $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)/etc/tuninetd
	install -m 755 $(BIN)/tuninetd $(BIN)/tuntapd $(BIN)/tuninetctl \
	  demo/tuninetd-demo $(DESTDIR)$(SBINDIR)/
	install -m 644 man/tuninetd.8 man/tuntapd.8 man/tuninetd-demo.8 \
	  man/tuninetctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 man/tuninetd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 completion/tuninetd $(DESTDIR)$(BASHCOMPDIR)/tuninetd
	ln -sf tuninetd $(DESTDIR)$(BASHCOMPDIR)/tuninetctl
	install -m 644 $(filter-out %.sh,$(EXAMPLES)) $(DESTDIR)$(DOCDIR)/examples/
	install -m 755 $(filter %.sh,$(EXAMPLES)) $(DESTDIR)$(DOCDIR)/examples/
	$(SUBST_DIRS) systemd/tuninetd-instance.in > $(DESTDIR)$(LIBEXECDIR)/tuninetd-instance
	chmod 755 $(DESTDIR)$(LIBEXECDIR)/tuninetd-instance
	install -m 644 systemd/tuninetd.sysusers $(DESTDIR)$(SYSUSERSDIR)/tuninetd.conf
	for u in $(UNITS); do \
	  $(SUBST_DIRS) systemd/$$u.in > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
	  chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done

# the unit tests alone: no root needed (the package build runs these)
check-unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do $$t || exit 1; done

clean:
	rm -rf build bin

.PHONY: all check check-unit demo deps install clean fuzz bench soak deb

# the Debian package, in ..: built in a copy of the tree, made in .. (not
# in a /tmp that may be noexec) without build/, bin/ and .git, because the
# package's clean would remove bin/ and build/, and dh_clean editor backups
# (*~, *.orig...); the copy is removed, the tree left as it was
deb:
	@tmp=$$(mktemp -d ../tuninetd-deb.XXXXXX) && \
	mkdir "$$tmp/tuninetd-$(VERSION)" && \
	tar -c --anchored --exclude=./build --exclude=./bin --exclude=./.git . | \
	  tar -x -C "$$tmp/tuninetd-$(VERSION)" && \
	(cd "$$tmp/tuninetd-$(VERSION)" && dpkg-buildpackage -us -uc -b) && \
	find "$$tmp" -maxdepth 1 -type f -exec mv -t .. {} +; \
	st=$$?; rm -rf "$$tmp"; exit $$st
