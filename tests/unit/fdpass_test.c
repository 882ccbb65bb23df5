/*
 * fd passing on the master-worker channel: batches arrive whole, a batch
 * cut short by the receiver's descriptor limit says which fds were lost,
 * and every malformed message (truncated data, counts that disagree,
 * surplus descriptors) is refused with all of its fds closed.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "lib/fdpass.h"

static int
count_fds(void)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	ATF_REQUIRE((d = opendir("/proc/self/fd")) != NULL);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n - 1);		/* the DIR's own fd */
}

/* Send a raw message: payload as given, nfds descriptors. */
static ssize_t
raw_send(int sock, const void *data, size_t len, const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 256)];
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	return (sendmsg(sock, &msg, 0));
}

ATF_TC_WITHOUT_HEAD(chan__batch_arrives_whole);
ATF_TC_BODY(chan__batch_arrives_whole, tc)
{
	struct chan_msg m, r;
	int sv[2], p[CHAN_MAX_FDS][2], fds[CHAN_MAX_FDS], got[CHAN_MAX_FDS];
	int i, before;
	char ch;

	ATF_REQUIRE(chan_pair(sv) == 0);
	before = count_fds();
	memset(&m, 0, sizeof(m));
	m.cm_type = CHAN_CONNS;
	m.cm_count = CHAN_MAX_FDS;
	for (i = 0; i < CHAN_MAX_FDS; i++) {
		ATF_REQUIRE(pipe(p[i]) == 0);
		fds[i] = p[i][0];
		m.cm_conn[i].cc_slot = 1000u + (uint32_t)i;
		m.cm_conn[i].cc_accept_ms = 77u + (uint64_t)i;
	}
	ATF_REQUIRE_EQ(chan_send(sv[0], &m, fds), 0);
	/* The sender closes its copies only after the send succeeded. */
	for (i = 0; i < CHAN_MAX_FDS; i++)
		close(p[i][0]);
	ATF_REQUIRE_EQ(chan_recv(sv[1], &r, got), 1);
	ATF_CHECK_EQ(r.cm_type, CHAN_CONNS);
	ATF_REQUIRE_EQ(r.cm_count, CHAN_MAX_FDS);
	for (i = 0; i < CHAN_MAX_FDS; i++) {
		ATF_CHECK_EQ(r.cm_conn[i].cc_slot, 1000u + (uint32_t)i);
		ATF_CHECK_EQ(r.cm_conn[i].cc_accept_ms, 77u + (uint64_t)i);
		/* Each received fd is the read end of the i-th pipe. */
		ch = (char)('a' + i % 26);
		ATF_REQUIRE(write(p[i][1], &ch, 1) == 1);
		ch = 0;
		ATF_REQUIRE(read(got[i], &ch, 1) == 1);
		ATF_CHECK_EQ(ch, (char)('a' + i % 26));
		ATF_CHECK(fcntl(got[i], F_GETFD) & FD_CLOEXEC);
		close(got[i]);
		close(p[i][1]);
	}
	ATF_CHECK_EQ(count_fds(), before);
	/* Nothing queued: EAGAIN, not a block. */
	ATF_CHECK_EQ(chan_recv(sv[1], &r, got), -1);
	ATF_CHECK_EQ(errno, EAGAIN);
	close(sv[0]);
	ATF_CHECK_EQ(chan_recv(sv[1], &r, got), 0);	/* EOF */
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(chan__count_mismatch_closes_all);
ATF_TC_BODY(chan__count_mismatch_closes_all, tc)
{
	struct chan_msg m;
	int sv[2], fds[3], got[CHAN_MAX_FDS], i, before;

	ATF_REQUIRE(chan_pair(sv) == 0);
	before = count_fds();
	for (i = 0; i < 3; i++)
		ATF_REQUIRE((fds[i] = open("/dev/null", O_RDONLY)) != -1);
	/* The payload claims 5 connections; only 3 fds ride along. */
	memset(&m, 0, sizeof(m));
	m.cm_type = CHAN_CONNS;
	m.cm_count = 5;
	ATF_REQUIRE(raw_send(sv[0], &m, CHAN_HDR_LEN + 5 * sizeof(struct chan_conn), fds, 3) > 0);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	ATF_CHECK_EQ(chan_recv(sv[1], &m, got), -1);
	ATF_CHECK_EQ(errno, EPROTO);
	ATF_CHECK_EQ(count_fds(), before);

	/* Surplus: 2 announced, 3 sent. */
	for (i = 0; i < 3; i++)
		ATF_REQUIRE((fds[i] = open("/dev/null", O_RDONLY)) != -1);
	m.cm_count = 2;
	ATF_REQUIRE(raw_send(sv[0], &m, CHAN_HDR_LEN + 2 * sizeof(struct chan_conn), fds, 3) > 0);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	ATF_CHECK_EQ(chan_recv(sv[1], &m, got), -1);
	ATF_CHECK_EQ(errno, EPROTO);
	ATF_CHECK_EQ(count_fds(), before);

	/* A payload of the wrong length for its count. */
	ATF_REQUIRE((fds[0] = open("/dev/null", O_RDONLY)) != -1);
	m.cm_count = 1;
	ATF_REQUIRE(raw_send(sv[0], &m, CHAN_HDR_LEN + 2 * 4, fds, 1) > 0);
	close(fds[0]);
	ATF_CHECK_EQ(chan_recv(sv[1], &m, got), -1);
	ATF_CHECK_EQ(errno, EPROTO);
	ATF_CHECK_EQ(count_fds(), before);

	/* More fds than any message may carry. */
	{
		int many[CHAN_MAX_FDS + 8];

		for (i = 0; i < CHAN_MAX_FDS + 8; i++)
			ATF_REQUIRE((many[i] = open("/dev/null",
			    O_RDONLY)) != -1);
		m.cm_count = CHAN_MAX_FDS;
		ATF_REQUIRE(raw_send(sv[0], &m, CHAN_HDR_LEN +
		    CHAN_MAX_FDS * sizeof(struct chan_conn), many,
		    CHAN_MAX_FDS + 8) > 0);
		for (i = 0; i < CHAN_MAX_FDS + 8; i++)
			close(many[i]);
		ATF_CHECK_EQ(chan_recv(sv[1], &m, got), -1);
		ATF_CHECK_EQ(errno, EPROTO);
		ATF_CHECK_EQ(count_fds(), before);
	}
	close(sv[0]);
	close(sv[1]);
}

/*
 * A receiver whose descriptor table is full gets MSG_CTRUNC and only the
 * fds that fit, first ones first: the batch is delivered with the others
 * marked -1, each entry still naming its slot, so no claim is lost.
 */
ATF_TC_WITHOUT_HEAD(chan__ctrunc_marks_lost);
ATF_TC_BODY(chan__ctrunc_marks_lost, tc)
{
	struct chan_msg m;
	int sv[2], fds[10], i;
	pid_t pid;

	ATF_REQUIRE(chan_pair(sv) == 0);
	memset(&m, 0, sizeof(m));
	m.cm_type = CHAN_CONNS;
	m.cm_count = 10;
	for (i = 0; i < 10; i++) {
		m.cm_conn[i].cc_slot = 100 + (uint32_t)i;
		ATF_REQUIRE((fds[i] = open("/dev/null", O_RDONLY)) != -1);
	}
	ATF_REQUIRE_EQ(chan_send(sv[0], &m, fds), 0);
	for (i = 0; i < 10; i++)
		close(fds[i]);

	pid = atf_utils_fork();
	if (pid == 0) {
		struct rlimit rl;
		struct stat st;
		int got[CHAN_MAX_FDS], before, r, hi = 0;

		/* Fill the table, then leave room for 3 of the 10 fds. */
		for (i = 0; i < 4096; i++)
			if (fcntl(i, F_GETFD) != -1)
				hi = i;
		rl.rlim_cur = rl.rlim_max = (rlim_t)hi + 64;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			_exit(10);
		while ((r = open("/dev/null", O_RDONLY)) != -1)
			hi = r;
		close(hi);
		close(hi - 1);
		close(hi - 2);
		close(hi - 3);	/* and one for count_fds()'s directory */
		before = count_fds();
		/* Taken back while the batch arrives: room for 3. */
		if ((hi = open("/dev/null", O_RDONLY)) == -1)
			_exit(10);
		memset(&m, 0, sizeof(m));
		r = chan_recv(sv[1], &m, got);
		close(hi);
		if (r != 1 || m.cm_type != CHAN_CONNS || m.cm_count != 10) {
			fprintf(stderr, "chan_recv: %d, %s\n", r,
			    strerror(errno));
			_exit(11);
		}
		for (i = 0; i < 10; i++) {
			if (m.cm_conn[i].cc_slot != 100 + (uint32_t)i)
				_exit(12);
			if (i < 3 ? fstat(got[i], &st) == -1 : got[i] != -1)
				_exit(13);
		}
		if (count_fds() != before + 3)
			_exit(14);
		_exit(0);
	}
	atf_utils_wait(pid, 0, "", "");
	close(sv[0]);
	close(sv[1]);
}

ATF_TC_WITHOUT_HEAD(chan__full_queue_keeps_fds);
ATF_TC_BODY(chan__full_queue_keeps_fds, tc)
{
	struct chan_msg m;
	int sv[2], fd, n, r;

	ATF_REQUIRE(chan_pair(sv) == 0);
	ATF_REQUIRE((fd = open("/dev/null", O_RDONLY)) != -1);
	memset(&m, 0, sizeof(m));
	m.cm_type = CHAN_CONNS;
	m.cm_count = 1;
	for (n = 0; n < 100000; n++)
		if ((r = chan_send(sv[0], &m, &fd)) == -1)
			break;
	ATF_REQUIRE_MSG(n < 100000, "the channel never filled");
	ATF_CHECK_EQ(errno, EAGAIN);
	/* Nothing was sent: the caller still owns a valid fd. */
	ATF_CHECK(fcntl(fd, F_GETFD) != -1);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

/*
 * A message with data and no fds (CHAN_TICKETS): the bytes arrive as sent;
 * a length that disagrees with cm_arg, data past CHAN_MAX_DATA or an fd
 * riding along are refused, the fd closed.
 */
ATF_TC_WITHOUT_HEAD(chan__data_message);
ATF_TC_BODY(chan__data_message, tc)
{
	struct chan_msg m, r;
	int sv[2], got[CHAN_MAX_FDS], fd, before;
	unsigned int i;

	ATF_REQUIRE(chan_pair(sv) == 0);
	memset(&m, 0, sizeof(m));
	m.cm_type = CHAN_TICKETS;
	m.cm_arg = 168;
	for (i = 0; i < m.cm_arg; i++)
		m.cm_data[i] = (uint8_t)(i * 7);
	ATF_REQUIRE_EQ(chan_send(sv[0], &m, NULL), 0);
	memset(&r, 0, sizeof(r));
	ATF_REQUIRE_EQ(chan_recv(sv[1], &r, got), 1);
	ATF_CHECK_EQ(r.cm_type, CHAN_TICKETS);
	ATF_CHECK_EQ(r.cm_count, 0);
	ATF_REQUIRE_EQ(r.cm_arg, 168);
	ATF_CHECK(memcmp(r.cm_data, m.cm_data, 168) == 0);

	/* chan_send() refuses what chan_recv() would. */
	m.cm_arg = CHAN_MAX_DATA + 1;
	ATF_CHECK_EQ(chan_send(sv[0], &m, NULL), -1);
	ATF_CHECK_EQ(errno, EINVAL);
	m.cm_arg = 8;
	m.cm_count = 1;
	ATF_CHECK_EQ(chan_send(sv[0], &m, NULL), -1);
	ATF_CHECK_EQ(errno, EINVAL);

	/* Short of what cm_arg says. */
	m.cm_count = 0;
	m.cm_arg = 100;
	ATF_REQUIRE(raw_send(sv[0], &m, CHAN_HDR_LEN + 99, NULL, 0) > 0);
	ATF_CHECK_EQ(chan_recv(sv[1], &r, got), -1);
	ATF_CHECK_EQ(errno, EPROTO);
	/* An fd with a data message: closed, message refused. */
	before = count_fds();
	ATF_REQUIRE((fd = open("/dev/null", O_RDONLY)) != -1);
	ATF_REQUIRE(raw_send(sv[0], &m, CHAN_HDR_LEN + 100, &fd, 1) > 0);
	close(fd);
	ATF_CHECK_EQ(chan_recv(sv[1], &r, got), -1);
	ATF_CHECK_EQ(errno, EPROTO);
	ATF_CHECK_EQ(count_fds(), before);
	close(sv[0]);
	close(sv[1]);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, chan__batch_arrives_whole);
	ATF_TP_ADD_TC(tp, chan__count_mismatch_closes_all);
	ATF_TP_ADD_TC(tp, chan__ctrunc_marks_lost);
	ATF_TP_ADD_TC(tp, chan__full_queue_keeps_fds);
	ATF_TP_ADD_TC(tp, chan__data_message);
	return (atf_no_error());
}
