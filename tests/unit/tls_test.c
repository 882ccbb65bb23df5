/*
 * The TLS contexts the master builds from a configuration: SNI choice,
 * certificate errors with their lines, and session tickets across key
 * rotations and server names, checked with in-memory handshakes (a BIO
 * pair, no sockets).
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lib/cfg.h"
#include "master/config.h"
#include "proto/tls.h"

/* A self-signed P-256 certificate for cn: NAME.pem and NAME.key. */
static void
make_cert(const char *name, const char *cn)
{
	char path[256];
	EVP_PKEY *pk;
	X509 *x;
	FILE *fp;

	ATF_REQUIRE((pk = EVP_EC_gen("P-256")) != NULL);
	ATF_REQUIRE((x = X509_new()) != NULL);
	ATF_REQUIRE(X509_set_version(x, 2) == 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	ATF_REQUIRE(X509_set_pubkey(x, pk) == 1);
	ATF_REQUIRE(X509_sign(x, pk, EVP_sha256()) > 0);
	snprintf(path, sizeof(path), "%s.pem", name);
	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	ATF_REQUIRE(PEM_write_X509(fp, x) == 1);
	fclose(fp);
	snprintf(path, sizeof(path), "%s.key", name);
	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	ATF_REQUIRE(PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL,
	    NULL) == 1);
	fclose(fp);
	X509_free(x);
	EVP_PKEY_free(pk);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp;

	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	fputs(text, fp);
	fclose(fp);
}

#define CONF_HEAD							\
	"version = 1;\n"						\
	"listeners = ( { name = \"s\"; address = \"127.0.0.1\"; "	\
	"port = 1; protocol = \"https\";\n"				\
	"  tls = { certificate = \"dflt.pem\"; key = \"dflt.key\"; }; } );\n"

static const char conf_sites[] = CONF_HEAD
    "sites = ( { names = [ \"localhost\" ]; root = \".\"; },\n"
    "  { names = [ \"a.test\" ]; root = \".\";\n"
    "    tls = { certificate = \"a.pem\"; key = \"a.key\"; }; },\n"
    "  { names = [ \"*.b.test\", \"*.x.b.test\" ]; root = \".\";\n"
    "    tls = { certificate = \"b.pem\"; key = \"b.key\"; }; },\n"
    "  { names = [ \"*.y.b.test\" ]; root = \".\";\n"
    "    tls = { certificate = \"x.pem\"; key = \"x.key\"; }; } );\n";

static struct config *
load(const char *text, struct cfg_ctx *c)
{
	write_file("t.conf", text);
	cfg_ctx_init(c, "t.conf");
	return (config_load("t.conf", c));
}

static void
setup(void)
{
	make_cert("dflt", "localhost");
	make_cert("a", "a.test");
	make_cert("b", "wild b");
	make_cert("x", "wild x");
}

/* The CN of the certificate ctx presents. */
static const char *
ctx_cn(SSL_CTX *ctx)
{
	static char cn[64];
	X509 *x = SSL_CTX_get0_certificate(ctx);

	cn[0] = '\0';
	if (x != NULL)
		X509_NAME_get_text_by_NID(X509_get_subject_name(x),
		    NID_commonName, cn, sizeof(cn));
	return (cn);
}

ATF_TC_WITHOUT_HEAD(tls__sni_choice);
ATF_TC_BODY(tls__sni_choice, tc)
{
	struct cfg_ctx c;
	struct config *cf;
	const struct tls_ctx *tx;

	setup();
	cf = load(conf_sites, &c);
	ATF_REQUIRE_MSG(cf != NULL, "%s", c.cc_nmsgs > 0 ? c.cc_msgs[0] : "?");
	ATF_REQUIRE((tx = cf->cf_listeners[0].lc_tls_ctx) != NULL);
	ATF_CHECK_STREQ(ctx_cn(tls_ctx_pick(tx, NULL)), "localhost");
	ATF_CHECK_STREQ(ctx_cn(tls_ctx_pick(tx, "localhost")), "localhost");
	ATF_CHECK_STREQ(ctx_cn(tls_ctx_pick(tx, "a.test")), "a.test");
	ATF_CHECK_STREQ(ctx_cn(tls_ctx_pick(tx, "A.Test.")), "a.test");
	/* Exact names first, then the longest wildcard, as for Host. */
	ATF_CHECK_STREQ(ctx_cn(tls_ctx_pick(tx, "q.b.test")), "wild b");
	ATF_CHECK_STREQ(ctx_cn(tls_ctx_pick(tx, "q.r.b.test")), "wild b");
	ATF_CHECK_STREQ(ctx_cn(tls_ctx_pick(tx, "q.x.b.test")), "wild b");
	ATF_CHECK_STREQ(ctx_cn(tls_ctx_pick(tx, "q.y.b.test")), "wild x");
	ATF_CHECK_STREQ(ctx_cn(tls_ctx_pick(tx, "b.test")), "localhost");
	ATF_CHECK_STREQ(ctx_cn(tls_ctx_pick(tx, "other.test")), "localhost");
	config_free(cf);
	cfg_ctx_fini(&c);
}

ATF_TC_WITHOUT_HEAD(tls__file_errors);
ATF_TC_BODY(tls__file_errors, tc)
{
	struct cfg_ctx c;

	setup();
	write_file("junk.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n");
	ATF_CHECK(load(CONF_HEAD
	    "sites = ( { names = [ \"a\" ]; root = \".\";\n"
	    "  tls = { certificate = \"junk.pem\"; key = \"a.key\"; }; },\n"
	    "  { names = [ \"b\" ]; root = \".\";\n"
	    "  tls = { certificate = \"b.pem\"; key = \"a.key\"; }; },\n"
	    "  { names = [ \"c\" ]; root = \".\";\n"
	    "  tls = { certificate = \"none.pem\"; key = \"a.key\";\n"
	    "    ciphers = \"HIGH\"; }; } );\n", &c) == NULL);
	ATF_REQUIRE_EQ(c.cc_nmsgs, 1);
	/* Settings that belong to the listener are refused first. */
	ATF_CHECK_MATCH("^t\\.conf:9: tls: a site sets certificate, key and "
	    "ocsp_response; protocols", c.cc_msgs[0]);
	cfg_ctx_fini(&c);

	ATF_CHECK(load(CONF_HEAD
	    "sites = ( { names = [ \"a\" ]; root = \".\";\n"
	    "  tls = { certificate = \"junk.pem\"; key = \"a.key\"; }; },\n"
	    "  { names = [ \"b\" ]; root = \".\";\n"
	    "  tls = { certificate = \"b.pem\"; key = \"a.key\"; }; },\n"
	    "  { names = [ \"c\" ]; root = \".\";\n"
	    "  tls = { certificate = \"none.pem\"; key = \"a.key\"; }; } );\n",
	    &c) == NULL);
	ATF_REQUIRE_EQ(c.cc_nmsgs, 3);
	ATF_CHECK_MATCH("^t\\.conf:5: tls: certificate .*/junk\\.pem: ",
	    c.cc_msgs[0]);
	ATF_CHECK_MATCH("^t\\.conf:7: tls: key .*/a\\.key: key values "
	    "mismatch$", c.cc_msgs[1]);
	ATF_CHECK_MATCH("^t\\.conf:9: tls: certificate .*/none\\.pem: No such "
	    "file or directory$", c.cc_msgs[2]);
	cfg_ctx_fini(&c);

	ATF_CHECK(load("version = 1;\n"
	    "listeners = ( { name = \"s\"; address = \"127.0.0.1\"; "
	    "port = 1; protocol = \"https\";\n"
	    "  tls = { certificate = \"dflt.pem\"; key = \"dflt.key\";\n"
	    "    ciphers = \"NOTHING-AT-ALL\"; curves = \"P-999\"; }; } );\n"
	    "sites = ( { root = \".\"; } );\n", &c) == NULL);
	ATF_REQUIRE_EQ(c.cc_nmsgs, 2);
	ATF_CHECK_MATCH("^t\\.conf:3: tls: ciphers: 'NOTHING-AT-ALL' names no "
	    "usable cipher$", c.cc_msgs[0]);
	ATF_CHECK_MATCH("^t\\.conf:3: tls: curves: 'P-999'", c.cc_msgs[1]);
	cfg_ctx_fini(&c);
}

/*
 * Drive both ends of an in-memory connection through the handshake, the
 * client asking for sni (NULL: no SNI).
 */
static SSL *
handshake(SSL_CTX *cctx, SSL_CTX *sctx, const char *sni, SSL_SESSION *resume,
    SSL **svp)
{
	SSL *cl, *sv;
	BIO *bc, *bs;
	char buf[16];
	int i, rc = 0, rs = 0;

	ATF_REQUIRE((cl = SSL_new(cctx)) != NULL);
	ATF_REQUIRE((sv = SSL_new(sctx)) != NULL);
	ATF_REQUIRE(BIO_new_bio_pair(&bc, 0, &bs, 0) == 1);
	SSL_set_bio(cl, bc, bc);
	SSL_set_bio(sv, bs, bs);
	SSL_set_connect_state(cl);
	SSL_set_accept_state(sv);
	if (sni != NULL)
		ATF_REQUIRE(SSL_set_tlsext_host_name(cl, sni) == 1);
	if (resume != NULL)
		ATF_REQUIRE(SSL_set_session(cl, resume) == 1);
	for (i = 0; i < 50 && (rc != 1 || rs != 1); i++) {
		if (rc != 1)
			rc = SSL_do_handshake(cl);
		if (rs != 1)
			rs = SSL_do_handshake(sv);
	}
	ATF_REQUIRE_MSG(rc == 1 && rs == 1, "handshake: %d %d", rc, rs);
	/* TLS 1.3 tickets come after the handshake: let the client read. */
	ATF_REQUIRE(SSL_read(cl, buf, sizeof(buf)) <= 0);
	/* As if closed properly: SSL_free() would spoil the session. */
	SSL_set_shutdown(cl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_set_shutdown(sv, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	*svp = sv;
	return (cl);
}

/* A new connection with sess and sni: 1 if it resumed, 0 if not. */
static int
resumed(SSL_CTX *cctx, SSL_CTX *sctx, const char *sni, SSL_SESSION *sess)
{
	SSL *cl, *sv;
	int r;

	cl = handshake(cctx, sctx, sni, sess, &sv);
	r = SSL_session_reused(cl);
	ATF_CHECK_EQ(r, SSL_session_reused(sv));
	SSL_free(cl);
	SSL_free(sv);
	return (r);
}

/*
 * conf_sites loaded into c, its listener's context in *sctx, and a
 * client context (*cctx) held to one protocol version.
 */
static struct config *
sites_pair(int version, struct cfg_ctx *c, SSL_CTX **sctx, SSL_CTX **cctx)
{
	struct config *cf;

	setup();
	cf = load(conf_sites, c);
	ATF_REQUIRE_MSG(cf != NULL, "%s", c->cc_nmsgs > 0 ? c->cc_msgs[0] :
	    "?");
	*sctx = tls_ctx_pick(cf->cf_listeners[0].lc_tls_ctx, NULL);
	ATF_REQUIRE((*cctx = SSL_CTX_new(TLS_client_method())) != NULL);
	SSL_CTX_set_min_proto_version(*cctx, version);
	SSL_CTX_set_max_proto_version(*cctx, version);
	return (cf);
}

static void
tickets_across_rotations(int version)
{
	struct tls_tickets saved;
	struct cfg_ctx c;
	struct config *cf;
	SSL_CTX *cctx, *sctx;
	SSL_SESSION *sess;
	SSL *cl, *sv;

	cf = sites_pair(version, &c, &sctx, &cctx);
	/* The worker's keys as inherited; the master may move on. */
	tls_tickets_get(&saved);

	cl = handshake(cctx, sctx, "localhost", NULL, &sv);
	ATF_CHECK_EQ(SSL_version(cl), version);
	ATF_CHECK_EQ(SSL_session_reused(cl), 0);
	ATF_REQUIRE((sess = SSL_get1_session(cl)) != NULL);
	ATF_REQUIRE(SSL_SESSION_is_resumable(sess));
	SSL_free(cl);
	SSL_free(sv);

	ATF_CHECK_EQ(resumed(cctx, sctx, "localhost", sess), 1);
	/* One rotation: the old key still opens the ticket. */
	ATF_REQUIRE(tls_tickets_rotate() == 0);
	ATF_CHECK_EQ(resumed(cctx, sctx, "localhost", sess), 1);
	/* Two: it is gone, a full handshake follows (not an error). */
	ATF_REQUIRE(tls_tickets_rotate() == 0);
	ATF_CHECK_EQ(resumed(cctx, sctx, "localhost", sess), 0);
	/* What CHAN_TICKETS does in a worker: the keys it is given rule. */
	ATF_REQUIRE(tls_tickets_set(&saved, sizeof(saved)) == 0);
	ATF_CHECK_EQ(resumed(cctx, sctx, "localhost", sess), 1);
	ATF_CHECK(tls_tickets_set(&saved, sizeof(saved) - 1) == -1);
	SSL_SESSION_free(sess);
	SSL_CTX_free(cctx);
	config_free(cf);
	cfg_ctx_fini(&c);
}

ATF_TC_WITHOUT_HEAD(tls__tickets_tls13);
ATF_TC_BODY(tls__tickets_tls13, tc)
{
	tickets_across_rotations(TLS1_3_VERSION);
}

ATF_TC_WITHOUT_HEAD(tls__tickets_tls12);
ATF_TC_BODY(tls__tickets_tls12, tc)
{
	tickets_across_rotations(TLS1_2_VERSION);
}

/* A new session, made with SNI sni (NULL: none). */
static SSL_SESSION *
new_session(SSL_CTX *cctx, SSL_CTX *sctx, const char *sni)
{
	SSL_SESSION *sess;
	SSL *cl, *sv;

	cl = handshake(cctx, sctx, sni, NULL, &sv);
	ATF_CHECK_EQ(SSL_session_reused(cl), 0);
	ATF_REQUIRE((sess = SSL_get1_session(cl)) != NULL);
	ATF_REQUIRE(SSL_SESSION_is_resumable(sess));
	SSL_free(cl);
	SSL_free(sv);
	return (sess);
}

/*
 * A ticket resumes only with the server name its session was made for,
 * as DNS names compare; any other name, or none for one, is a full
 * handshake (RFC 6066 3).
 */
static void
tickets_by_name(int version)
{
	struct cfg_ctx c;
	struct config *cf;
	SSL_CTX *cctx, *sctx;
	SSL_SESSION *sess;

	cf = sites_pair(version, &c, &sctx, &cctx);

	sess = new_session(cctx, sctx, "a.test");
	ATF_CHECK_EQ(resumed(cctx, sctx, "a.test", sess), 1);
	ATF_CHECK_EQ(resumed(cctx, sctx, "A.Test.", sess), 1);
	ATF_CHECK_EQ(resumed(cctx, sctx, "q.b.test", sess), 0);
	ATF_CHECK_EQ(resumed(cctx, sctx, "localhost", sess), 0);
	ATF_CHECK_EQ(resumed(cctx, sctx, "a.tes", sess), 0);
	ATF_CHECK_EQ(resumed(cctx, sctx, "a.test.q", sess), 0);
	ATF_CHECK_EQ(resumed(cctx, sctx, "a.test..", sess), 0);
	ATF_CHECK_EQ(resumed(cctx, sctx, NULL, sess), 0);
	SSL_SESSION_free(sess);

	sess = new_session(cctx, sctx, NULL);
	ATF_CHECK_EQ(resumed(cctx, sctx, NULL, sess), 1);
	ATF_CHECK_EQ(resumed(cctx, sctx, "localhost", sess), 0);
	SSL_SESSION_free(sess);
	SSL_CTX_free(cctx);
	config_free(cf);
	cfg_ctx_fini(&c);
}

ATF_TC_WITHOUT_HEAD(tls__tickets_by_name_tls13);
ATF_TC_BODY(tls__tickets_by_name_tls13, tc)
{
	tickets_by_name(TLS1_3_VERSION);
}

ATF_TC_WITHOUT_HEAD(tls__tickets_by_name_tls12);
ATF_TC_BODY(tls__tickets_by_name_tls12, tc)
{
	tickets_by_name(TLS1_2_VERSION);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, tls__sni_choice);
	ATF_TP_ADD_TC(tp, tls__file_errors);
	ATF_TP_ADD_TC(tp, tls__tickets_tls13);
	ATF_TP_ADD_TC(tp, tls__tickets_tls12);
	ATF_TP_ADD_TC(tp, tls__tickets_by_name_tls13);
	ATF_TP_ADD_TC(tp, tls__tickets_by_name_tls12);
	return (atf_no_error());
}
