/** Container networking: bridges, veth pairs, IPAM, NAT, published ports and DNS files. */
package dev.berth.net;
