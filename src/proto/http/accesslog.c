/*
 * Access logs: Combined Log Format (default) or JSON lines, per site.
 *
 * Each worker buffers lines per file and writes whole lines with one
 * write(2) on an O_APPEND descriptor, so lines from several workers never
 * interleave inside a line.  The buffer is flushed when it fills, at least
 * once a second (http_tick), and on exit; SIGUSR1 reopens the files after
 * the master has re-created them for the workers' user.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/utf8.h"
#include "master/config.h"
#include "proto/conn.h"
#include "proto/http/handler.h"
#include "proto/http/http.h"
#include "shm/shm.h"

#define ALOG_BUF	65536
#define ALOG_FLUSH_AT	(ALOG_BUF / 2)
#define ALOG_LINE_MAX	8192
/* No line waits longer than this in a worker's buffer. */
#define ALOG_FLUSH_MS	1000

struct alog_file {
	char		*af_path;
	int		 af_fd;
	size_t		 af_len;
	char		*af_buf;
};

static struct alog_file	*alog_files;
static size_t		 alog_nfiles;
static int		*alog_site;	/* site index -> file index or -1 */
static size_t		 alog_nsites;
static int64_t		 alog_time_at = -1;
static char		 alog_clf_time[40];
static char		 alog_iso_time[40];
/* When the oldest unwritten line was buffered; 0: none. */
static uint64_t		 alog_pending_since;

static int	alog_open(struct alog_file *);
void		accesslog_prepare(const struct config *);
static void	alog_flush_file(struct alog_file *);

static int
alog_open(struct alog_file *af)
{
	int fd;

	/* After logrotate, a FIFO may be where the file was: see log.h. */
	if ((fd = log_open_append(af->af_path, 0)) == -1) {
		log_warn("access log %s: open() failed", af->af_path);
		return (-1);
	}
	if (af->af_fd != -1)
		close(af->af_fd);
	af->af_fd = fd;
	return (0);
}

int
accesslog_init(const struct config *cf)
{
	size_t i, j;

	alog_nsites = cf->cf_nsites;
	if (alog_nsites == 0)
		return (0);
	if ((alog_site = calloc(alog_nsites, sizeof(int))) == NULL ||
	    (alog_files = calloc(alog_nsites, sizeof(*alog_files))) == NULL)
		return (-1);
	for (i = 0; i < cf->cf_nsites; i++) {
		const struct site_conf *st = &cf->cf_sites[i];

		alog_site[i] = -1;
		if (st->st_alog_format == TM_ALOG_OFF ||
		    st->st_alog_path == NULL)
			continue;
		for (j = 0; j < alog_nfiles; j++)
			if (strcmp(alog_files[j].af_path,
			    st->st_alog_path) == 0)
				break;
		if (j == alog_nfiles) {
			struct alog_file *af = &alog_files[alog_nfiles];

			af->af_path = st->st_alog_path;
			af->af_fd = -1;
			if ((af->af_buf = malloc(ALOG_BUF)) == NULL)
				return (-1);
			/* Opened before privileges drop. */
			if (alog_open(af) == -1)
				return (-1);
			alog_nfiles++;
		}
		alog_site[i] = (int)j;
	}
	return (0);
}

static void
alog_flush_file(struct alog_file *af)
{
	ssize_t n;

	if (af->af_len == 0 || af->af_fd == -1)
		return;
	do {
		n = write(af->af_fd, af->af_buf, af->af_len);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		log_warn("access log %s: write() failed", af->af_path);
	else if ((size_t)n < af->af_len)
		log_warnx("access log %s: short write (disk full?)",
		    af->af_path);
	af->af_len = 0;
}

void
accesslog_flush(int force)
{
	uint64_t now = conn_now_ms();
	size_t i;

	if (alog_pending_since == 0 ||
	    (!force && now < alog_pending_since + ALOG_FLUSH_MS))
		return;
	alog_pending_since = 0;
	for (i = 0; i < alog_nfiles; i++)
		alog_flush_file(&alog_files[i]);
}

void
http_tick(uint64_t now_ms)
{
	(void)now_ms;
	accesslog_flush(0);
}

int64_t
http_next_ms(uint64_t now_ms)
{
	if (alog_pending_since == 0)
		return (-1);
	return (alog_pending_since + ALOG_FLUSH_MS > now_ms ?
	    (int64_t)(alog_pending_since + ALOG_FLUSH_MS - now_ms) : 0);
}

void
accesslog_reopen(void)
{
	size_t i;

	for (i = 0; i < alog_nfiles; i++) {
		/* Lines buffered so far belong to the old file. */
		alog_flush_file(&alog_files[i]);
		(void)alog_open(&alog_files[i]);
	}
}

void
accesslog_fini(void)
{
	size_t i;

	accesslog_flush(1);
	for (i = 0; i < alog_nfiles; i++) {
		if (alog_files[i].af_fd != -1)
			close(alog_files[i].af_fd);
		free(alog_files[i].af_buf);
	}
	free(alog_files);
	free(alog_site);
	alog_files = NULL;
	alog_site = NULL;
	alog_nfiles = alog_nsites = 0;
}

/*
 * Request bytes for a log, so a line is always one line.  Text formats:
 * quotes, backslashes, controls and non-ASCII as \xHH (nginx's
 * escaping).  JSON: UTF-8 text as it came, except the C1 controls and
 * the line and paragraph separators (line breaks to some readers); other
 * controls, and bytes that are not UTF-8, as \u00HH.
 */
static size_t
alog_esc(char *o, size_t sz, const char *s, size_t n, int json)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0, i, len;
	unsigned char ch;
	uint32_t cp;

	for (i = 0; i < n && k + 7 < sz; i++) {
		ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
			o[k++] = (char)ch;
			continue;
		}
		if (json) {
			if (ch == '"' || ch == '\\') {
				o[k++] = '\\';
				o[k++] = (char)ch;
				continue;
			}
			if (ch >= 0x80 && (len = utf8_seq(
			    (const unsigned char *)s + i, n - i, &cp)) != 0) {
				if (cp >= 0xa0 && cp != 0x2028 &&
				    cp != 0x2029) {
					memcpy(o + k, s + i, len);
					k += len;
					i += len - 1;
					continue;
				}
				if (cp > 0xff) {
					(void)snprintf(o + k, sz - k,
					    "\\u%04X", (unsigned int)cp);
					k += 6;
					i += len - 1;
					continue;
				}
				ch = (unsigned char)cp;	/* C1: U+0080-009F */
				i += len - 1;
			}
			/* Bytes as Latin-1 code points: always valid JSON. */
			memcpy(o + k, "\\u00", 4);
			o[k + 4] = hex[ch >> 4];
			o[k + 5] = hex[ch & 15];
			k += 6;
			continue;
		}
		o[k++] = '\\';
		o[k++] = 'x';
		o[k++] = hex[ch >> 4];
		o[k++] = hex[ch & 15];
	}
	o[k] = '\0';
	return (k);
}

static void
alog_times(void)
{
	int64_t now = conn_now_wall();
	time_t t = (time_t)now;
	struct tm tm;
	size_t n;

	if (now == alog_time_at)
		return;
	alog_time_at = now;
	localtime_r(&t, &tm);
	strftime(alog_clf_time, sizeof(alog_clf_time),
	    "%d/%b/%Y:%H:%M:%S %z", &tm);
	/*
	 * RFC 3339: the offset as "+hh:mm" (strftime's %z is "+hhmm",
	 * ISO 8601's basic form, which strict parsers refuse next to an
	 * extended date).
	 */
	n = strftime(alog_iso_time, sizeof(alog_iso_time),
	    "%Y-%m-%dT%H:%M:%S%z", &tm);
	if (n >= 5 && n + 1 < sizeof(alog_iso_time)) {
		memmove(alog_iso_time + n - 1, alog_iso_time + n - 2, 3);
		alog_iso_time[n - 2] = ':';
	}
}

/*
 * A request line the parser did not take apart, escaped as it came (up to
 * its end or the first 1024 bytes); "-" when nothing came.
 */
static void
alog_raw_line(const struct http_req *hr, char *o, size_t sz, int json)
{
	const char *b = http_req_buf(hr), *e;
	size_t n = hr->rq_conn->c_in_len;

	if (b == NULL || n == 0) {
		(void)strlcpy(o, json ? "" : "-", sz);
		return;
	}
	if (n > 1024)
		n = 1024;
	if ((e = memchr(b, '\n', n)) != NULL)
		n = (size_t)(e - b);
	if (n > 0 && b[n - 1] == '\r')
		n--;
	alog_esc(o, sz, b, n, json);
}

void
accesslog_write(struct http_req *hr)
{
	const struct http_request *p = &hr->rq_p;
	const struct site_conf *st;
	const char *buf = http_req_buf(hr), *ua, *ref;
	char line[ALOG_LINE_MAX], m[32], tgt[4096], eua[1024], eref[1024],
	    host[600], req[4200];
	struct alog_file *af;
	size_t ual = 0, refl = 0, n;
	int site, r;

	hr->rq_flags |= HTTP_F_LOGGED;
	if (alog_site == NULL)
		return;
	/*
	 * One answered before its site was known (refused, or answered by
	 * the listener) goes to the default site's log, as nginx's default
	 * server logs it: refused requests are what an operator looks for
	 * when a client or a scanner misbehaves.
	 */
	if ((st = http_site_of(hr)) == NULL)
		return;
	site = (int)(st - http_cf->cf_sites);
	if (site < 0 || (size_t)site >= alog_nsites || alog_site[site] == -1)
		return;
	af = &alog_files[alog_site[site]];
	alog_times();
	alog_esc(m, sizeof(m), buf + p->rq_method_span.sp_off,
	    p->rq_method_span.sp_len, 0);
	ua = http_req_header(hr, "User-Agent", &ual);
	ref = http_req_header(hr, "Referer", &refl);
	if (st->st_alog_format == TM_ALOG_JSON) {
		double rt = (double)(conn_now_ms() - hr->rq_start_ms) / 1000.0;
		const struct shm_slot *sl = hr->rq_conn->c_sl;
		const char *tv = shm_tls_version(sl->sl_tls_version);
		char tls[TM_SLOT_CIPHER_LEN * 6 + 64];
		char cipher[TM_SLOT_CIPHER_LEN * 6];
		char proto[16] = "";

		/* rq_major is set once the request line parsed. */
		if (p->rq_major != 0) {
			alog_esc(tgt, sizeof(tgt), buf + p->rq_target.sp_off,
			    p->rq_target.sp_len, 1);
			(void)snprintf(proto, sizeof(proto), "HTTP/%u.%u",
			    p->rq_major, p->rq_minor);
		} else {
			/* All of it in "uri", as it came. */
			m[0] = '\0';
			alog_raw_line(hr, tgt, sizeof(tgt), 1);
		}
		alog_esc(eua, sizeof(eua), ua != NULL ? ua : "", ual, 1);
		alog_esc(eref, sizeof(eref), ref != NULL ? ref : "", refl, 1);
		alog_esc(host, sizeof(host), hr->rq_host, strlen(hr->rq_host),
		    1);
		/* What TLS agreed on (the slot has it); null: plain. */
		if (tv != NULL) {
			char name[TM_SLOT_CIPHER_LEN];

			shm_tls_cipher(sl->sl_tls_cipher, name, sizeof(name));
			alog_esc(cipher, sizeof(cipher), name, strlen(name), 1);
			(void)snprintf(tls, sizeof(tls),
			    "\"tls_version\":\"%s\",\"tls_cipher\":\"%s\"", tv,
			    cipher);
		} else
			(void)snprintf(tls, sizeof(tls), "\"tls_version\":null,"
			    "\"tls_cipher\":null");
		r = snprintf(line, sizeof(line), "{\"time\":\"%s\","
		    "\"remote_addr\":\"%s\",\"host\":\"%s\",\"method\":\"%s\","
		    "\"uri\":\"%s\",\"protocol\":\"%s\","
		    "\"status\":%u,\"bytes_sent\":%llu,\"request_time\":%.3f,"
		    "\"referer\":\"%s\",\"user_agent\":\"%s\",%s}\n",
		    alog_iso_time, http_req_peer(hr), host, m, tgt, proto,
		    hr->rq_status, (unsigned long long)hr->rq_sent, rt, eref,
		    eua, tls);
	} else {
		if (p->rq_major != 0) {
			alog_esc(tgt, sizeof(tgt), buf + p->rq_target.sp_off,
			    p->rq_target.sp_len, 0);
			(void)snprintf(req, sizeof(req), "%s %s HTTP/%u.%u",
			    m, tgt, p->rq_major, p->rq_minor);
		} else
			alog_raw_line(hr, req, sizeof(req), 0);
		alog_esc(eua, sizeof(eua), ua != NULL ? ua : "-",
		    ua != NULL ? ual : 1, 0);
		alog_esc(eref, sizeof(eref), ref != NULL ? ref : "-",
		    ref != NULL ? refl : 1, 0);
		r = snprintf(line, sizeof(line), "%s - - [%s] \"%s\" %u %llu "
		    "\"%s\" \"%s\"\n", http_req_peer(hr), alog_clf_time, req,
		    hr->rq_status, (unsigned long long)hr->rq_sent, eref, eua);
	}
	if (r < 0)
		return;
	n = (size_t)r < sizeof(line) ? (size_t)r : sizeof(line) - 1;
	if (n > 0 && line[n - 1] != '\n')
		line[n - 1] = '\n';	/* truncated: still one line */
	if (af->af_len + n > ALOG_BUF)
		alog_flush_file(af);
	memcpy(af->af_buf + af->af_len, line, n);
	af->af_len += n;
	if (alog_pending_since == 0)
		alog_pending_since = conn_now_ms();
	if (af->af_len >= ALOG_FLUSH_AT)
		alog_flush_file(af);
}

void
accesslog_prepare(const struct config *cf)
{
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	size_t i;

	if (cf->cf_user != NULL && geteuid() == 0) {
		pw = getpwnam(cf->cf_user);
		if (cf->cf_group != NULL)
			gr = getgrnam(cf->cf_group);
	}
	for (i = 0; i < cf->cf_nsites; i++) {
		const struct site_conf *st = &cf->cf_sites[i];

		if (st->st_alog_format == TM_ALOG_OFF ||
		    st->st_alog_path == NULL)
			continue;
		(void)log_file_prepare("access log", st->st_alog_path,
		    pw != NULL ? pw->pw_uid : (uid_t)-1, pw != NULL ?
		    (gr != NULL ? gr->gr_gid : pw->pw_gid) : (gid_t)-1);
	}
}
