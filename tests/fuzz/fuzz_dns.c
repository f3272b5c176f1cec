/* fuzz_dns: libFuzzer target for --dns-name's reading of a query, and
 * dns-keep's of an answer. The first byte picks UDP or TCP (then the
 * message carries its two-byte length), the rest is what follows the
 * transport header, sent to port 53 and from it; a query read is matched
 * against patterns of each form, an answer's addresses checked. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct packet_info pi = { .has_ports = true, .dport = 53,
	    .has_payload = true, .has_proto = true };
	struct dns_addr a[8];
	struct dns_query q;
	uint8_t *copy;
	int n, i;

	if (size < 1)
		return 0;
	/* an exact-size copy, so a read past the end is caught */
	if ((copy = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	pi.proto = data[0] & 1 ? IPPROTO_NUM_TCP : IPPROTO_NUM_UDP;
	pi.payload = copy;
	pi.payload_len = size - 1;
	if (dns_query_of(&pi, &q) == DNS_QUERY) {
		if (strlen(q.name) >= sizeof q.name || q.type[0] == '\0')
			abort();
		(void)dns_match("www.corp.example,*.corp.example,.internal",
		    q.name);
	}
	pi.sport = 53;
	pi.dport = 50000;
	if (dns_answer_of(&pi, &q, a, 8, &n) == DNS_QUERY) {
		if (strlen(q.name) >= sizeof q.name || n < 0 || n > 8)
			abort();
		for (i = 0; i < n; i++)
			if (a[i].family != 4 && a[i].family != 6)
				abort();
	} else if (n != 0)
		abort();
	free(copy);
	return 0;
}
