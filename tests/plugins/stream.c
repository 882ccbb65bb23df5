/*
 * stream: a handler whose stream body keeps its promise or not, for the
 * framing tests.  GET <prefix>/DECLARED/PRODUCED answers 200 with a
 * stream body declared DECLARED bytes long (-1: unknown) whose fill
 * produces PRODUCED bytes of "abc...z" over, then says EOF.  /fd/LEN
 * hands http_resp_body_fd() a length of LEN.  /hdr/LEN/COUNT adds COUNT
 * fields "X-Fill-NN: " with LEN bytes of 'v' each, through
 * http_resp_headerf(), and answers "accepted K" for the K it took.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/http/handler.h"

struct stream {
	long long	 sm_left;
	long long	 sm_pos;
};

static ssize_t
stream_fill(void *arg, char *buf, size_t size)
{
	struct stream *sm = arg;
	size_t i, n;

	n = sm->sm_left < (long long)size ? (size_t)sm->sm_left : size;
	for (i = 0; i < n; i++)
		buf[i] = (char)('a' + sm->sm_pos++ % 26);
	sm->sm_left -= (long long)n;
	return ((ssize_t)n);
}

static void
stream_fin(void *arg)
{
	free(arg);
}

static int
stream_fields(struct http_req *r, const char *p)
{
	char *end, *v, name[16], body[32];
	long len, count, i, k = 0;
	int n;

	len = strtol(p, &end, 10);
	if (*end != '/' || len < 0 || len > 65536)
		return (http_resp_error(r, 404));
	count = strtol(end + 1, &end, 10);
	if (*end != '\0' || count < 0 || count > 99)
		return (http_resp_error(r, 404));
	if ((v = malloc((size_t)len + 1)) == NULL)
		return (-1);
	memset(v, 'v', (size_t)len);
	v[len] = '\0';
	http_resp_status(r, 200);
	for (i = 0; i < count; i++) {
		(void)snprintf(name, sizeof(name), "X-Fill-%02ld", i);
		if (http_resp_headerf(r, name, "%s", v) == 0)
			k++;
	}
	free(v);
	n = snprintf(body, sizeof(body), "accepted %ld\n", k);
	return (http_resp_body_mem(r, body, (size_t)n, 1));
}

static int
stream_handle(struct http_req *r, void *data)
{
	const char *p = http_req_subpath(r);
	struct stream *sm;
	long long declared, produced;
	char *end;
	int fd;

	(void)data;
	if (strncmp(p, "/hdr/", 5) == 0)
		return (stream_fields(r, p + 5));
	if (strncmp(p, "/fd/", 4) == 0) {
		if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
			return (-1);
		http_resp_status(r, 200);
		if (http_resp_body_fd(r, fd, 0, strtoll(p + 4, NULL, 10)) ==
		    -1)
			return (http_resp_error(r, 500));
		return (0);
	}
	errno = 0;
	declared = strtoll(p + 1, &end, 10);
	if (errno != 0 || *end != '/')
		return (http_resp_error(r, 404));
	produced = strtoll(end + 1, &end, 10);
	if (errno != 0 || *end != '\0' || produced < 0)
		return (http_resp_error(r, 404));
	if ((sm = calloc(1, sizeof(*sm))) == NULL)
		return (-1);
	sm->sm_left = produced;
	http_resp_status(r, 200);
	http_resp_header(r, "Content-Type", "text/plain");
	return (http_resp_body_stream(r, (off_t)declared, stream_fill, sm,
	    stream_fin));
}

static const struct http_handler stream_handler = {
	.hd_name = "stream",
	.hd_handle = stream_handle,
	.hd_methods = (1u << 1) | (1u << 2),
};

static int
stream_register(void)
{
	return (http_handler_register(&stream_handler));
}

const struct tm_plugin tamarin_plugin = {
	.tp_abi = TM_HANDLER_ABI,
	.tp_name = "stream",
	.tp_register = stream_register,
};
