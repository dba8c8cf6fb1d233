package dev.uplink.api.contract;

import java.util.Map;

/**
 * One way of reaching the API (a socket, a Lambda invocation): sends a request, returns what came
 * back. The contract's cases are written against this alone, so every transport runs all of them.
 */
public interface ContractClient extends AutoCloseable {

  /**
   * Sends one request.
   *
   * @param method e.g. {@code GET}
   * @param pathAndQuery e.g. {@code /v1/uploads?container=web&path=/tmp/a}, escaped as on the wire
   * @param headers request headers, names in any case
   * @param body the body; empty for none
   */
  ContractResponse send(
      String method, String pathAndQuery, Map<String, String> headers, byte[] body)
      throws Exception;

  /** Releases what the client and the API under it hold. */
  @Override
  void close();
}
