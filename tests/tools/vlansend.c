/* vlansend IFNAME SRCMAC DSTMAC SRCIP DSTIP DPORT VID [OUTER-VID]: send one
 * Ethernet frame carrying an 802.1Q tag (and, with OUTER-VID, an 802.1ad
 * tag outside it) and an IPv4/UDP datagram, through an AF_PACKET socket:
 * tagged frames for a kernel without VLAN devices. Test helper. */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
mac(const char *s, unsigned char *m)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2],
	    &m[3], &m[4], &m[5]) == 6;
}

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

int
main(int argc, char **argv)
{
	unsigned char f[128] = { 0 }, *ip;
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_halen = 6 };
	unsigned long sum = 0;
	size_t n = 12, i;
	int s;

	if (argc < 8 || !mac(argv[3], f) || !mac(argv[2], f + 6)) {
		fprintf(stderr, "usage: vlansend IFNAME SRCMAC DSTMAC SRCIP DSTIP DPORT VID [OUTER-VID]\n");
		return 2;
	}
	if (argc > 8) {
		put16(f + n, 0x88a8);
		put16(f + n + 2, (unsigned)atoi(argv[8]));
		n += 4;
	}
	put16(f + n, 0x8100);
	put16(f + n + 2, (unsigned)atoi(argv[7]));
	put16(f + n + 4, 0x0800);
	n += 6;
	ip = f + n;
	ip[0] = 0x45;
	put16(ip + 2, 20 + 12);
	ip[8] = 64;
	ip[9] = 17;
	inet_pton(AF_INET, argv[4], ip + 12);
	inet_pton(AF_INET, argv[5], ip + 16);
	for (i = 0; i < 20; i += 2)
		sum += (unsigned)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, (unsigned)~sum & 0xffff);
	put16(ip + 20, 40000);
	put16(ip + 22, (unsigned)atoi(argv[6]));
	put16(ip + 24, 12);
	memcpy(ip + 28, "abcd", 4);
	n += 32;

	a.sll_ifindex = (int)if_nametoindex(argv[1]);
	memcpy(a.sll_addr, f, 6);
	if ((s = socket(AF_PACKET, SOCK_RAW, 0)) == -1 || a.sll_ifindex == 0 ||
	    sendto(s, f, n, 0, (struct sockaddr *)&a, sizeof a) != (ssize_t)n) {
		perror("vlansend");
		return 1;
	}
	return 0;
}
