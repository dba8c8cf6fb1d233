package dev.uplink.core.domain.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Where a webhook may go. Only {@code https}, except {@code http} to a loopback address where the
 * deployment allows it (the local stack). Never to a private, loopback, link-local (the cloud
 * metadata services among them: 169.254.169.254, fd00:ec2::254), unspecified or multicast address
 * unless the deployment allows internal addresses: a webhook must not become a way into the network
 * the deliverer sits in.
 *
 * <p>Checked at registration ({@link #check}) and again at each delivery on the very address
 * connected to ({@link #checkAddress}), since what a name resolves to can change.
 *
 * @param allowHttpLoopback {@code http://} to a loopback address is accepted
 * @param allowInternalAddresses internal addresses are accepted (over {@code https})
 */
public record WebhookUrlPolicy(boolean allowHttpLoopback, boolean allowInternalAddresses) {

  /** The longest URL kept. */
  public static final int MAX_LENGTH = 2048;

  /**
   * The URL {@code text}, if it may be registered: absolute, {@code https} (or {@code http} as
   * allowed), a host, no user information or fragment, and a host that is not an internal address.
   * A host name is resolved; a name that does not resolve is refused.
   *
   * @throws WebhookUrlRejectedException saying why not
   */
  public URI check(String text) {
    URI url = parse(text);
    addressesOf(url);
    return url;
  }

  /**
   * The addresses {@code url}'s host resolves to, each allowed (connect to one of these, never to
   * the name).
   *
   * @throws WebhookUrlRejectedException if the name does not resolve or any address is refused
   */
  public List<InetAddress> addressesOf(URI url) {
    List<InetAddress> addresses;
    try {
      addresses = List.of(InetAddress.getAllByName(host(url)));
    } catch (UnknownHostException e) {
      throw new WebhookUrlRejectedException("url's host " + url.getHost() + " does not resolve");
    }
    // Every address, not just the first: a name with one public and one internal address would
    // otherwise reach the internal one whenever the order changes.
    addresses.forEach(address -> checkAddress(url.getScheme(), address));
    return addresses;
  }

  /**
   * Whether a delivery over {@code scheme} may connect to {@code address}.
   *
   * @throws WebhookUrlRejectedException if not
   */
  public void checkAddress(String scheme, InetAddress address) {
    boolean http = "http".equals(scheme);
    if (http) {
      if (!allowHttpLoopback || !address.isLoopbackAddress()) {
        throw new WebhookUrlRejectedException(
            "url must be https (http only to a loopback address where allowed), got "
                + scheme
                + " to "
                + address.getHostAddress());
      }
      return;
    }
    if (!allowInternalAddresses && isInternal(address)) {
      throw new WebhookUrlRejectedException(
          "url must reach a public address: "
              + address.getHostAddress()
              + " is private, loopback, link-local or a metadata address");
    }
  }

  private URI parse(String text) {
    if (text == null || text.isBlank()) {
      throw new WebhookUrlRejectedException("url is required");
    }
    if (text.length() > MAX_LENGTH) {
      throw new WebhookUrlRejectedException("url must be at most " + MAX_LENGTH + " characters");
    }
    URI url;
    try {
      url = new URI(text);
    } catch (URISyntaxException e) {
      throw new WebhookUrlRejectedException("url is not a URL: " + e.getReason());
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(scheme.equals("http") && allowHttpLoopback)) {
      throw new WebhookUrlRejectedException(
          allowHttpLoopback
              ? "url must be https (or http to a loopback address)"
              : "url must be https");
    }
    if (url.getHost() == null || url.getRawUserInfo() != null || url.getRawFragment() != null) {
      throw new WebhookUrlRejectedException(
          "url must name a host, without user information or a fragment");
    }
    return url;
  }

  private static String host(URI url) {
    String host = url.getHost();
    return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
  }

  /** Private, loopback, link-local, unique-local, unspecified, multicast or a metadata address. */
  static boolean isInternal(InetAddress address) {
    if (address.isLoopbackAddress()
        || address.isLinkLocalAddress()
        || address.isSiteLocalAddress()
        || address.isAnyLocalAddress()
        || address.isMulticastAddress()) {
      return true;
    }
    byte[] bytes = address.getAddress();
    if (address instanceof Inet4Address) {
      int first = bytes[0] & 0xff;
      int second = bytes[1] & 0xff;
      return first == 0 // "this network"
          || (first == 100 && second >= 64 && second < 128) // carrier-grade NAT
          || (first == 192 && second == 0 && (bytes[2] & 0xff) == 0); // IETF protocol assignments
    }
    if (address instanceof Inet6Address v6) {
      if (v6.isIPv4CompatibleAddress()) {
        return true;
      }
      // fc00::/7 (unique local, fd00:ec2::254 among them); isSiteLocalAddress is the old fec0::/10.
      if ((bytes[0] & 0xfe) == 0xfc) {
        return true;
      }
      // ::ffff:a.b.c.d: an IPv4 address in disguise.
      boolean mapped = true;
      for (int i = 0; i < 10; i++) {
        mapped &= bytes[i] == 0;
      }
      if (mapped && (bytes[10] & 0xff) == 0xff && (bytes[11] & 0xff) == 0xff) {
        try {
          return isInternal(
              InetAddress.getByAddress(new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]}));
        } catch (UnknownHostException e) {
          throw new IllegalStateException("four bytes are an IPv4 address", e);
        }
      }
    }
    return false;
  }
}
