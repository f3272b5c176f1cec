/* fuzz_packet: libFuzzer target for the decoder. The first byte picks the
 * link type, the rest is the packet; every decode is also formatted the
 * way the daemon logs it and hands it to hooks. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int linktypes[] = { LINKTYPE_ETHERNET, LINKTYPE_RAW,
	    LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL,
	    LINKTYPE_LINUX_SLL2, LINKTYPE_NFLOG };
	struct packet_info pi;
	struct nflog_parts np;
	char line[256];
	uint8_t *copy;

	if (size < 1)
		return 0;
	/* an exact-size copy, so a read past the end is caught */
	if ((copy = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	packet_decode(linktypes[data[0] % 7], copy, size - 1, &pi);
	packet_net_line(&pi, line, sizeof line);
	packet_link_line(&pi, line, sizeof line);
	packet_addr(&pi, false, line, sizeof line);
	(void)packet_is_tcp_ack(&pi);
	if (packet_nflog_split(copy, size - 1, &np) && np.prefix != NULL)
		(void)strnlen((const char *)np.prefix, np.prefix_len);
	free(copy);
	return 0;
}
