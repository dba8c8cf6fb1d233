package dev.uplink.processor.aws;

import dev.uplink.core.aws.AwsErrors;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Objects;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * TEMPORARY, until every adapter in {@code core/aws} translates its own errors (issue 17): wraps a
 * core adapter behind its port so that an AWS SDK exception leaving any of its methods arrives as a
 * {@link dev.uplink.core.domain.DependencyException} ({@link AwsErrors#translate}). The worker and
 * {@code FailureClassifier} then see domain exceptions only, whichever adapter they get. Once the
 * adapters throw {@code DependencyException} themselves this wrapper translates nothing: delete it
 * and its one call in {@code ProcessorWiring}.
 */
public final class SdkErrorTranslation {

  private SdkErrorTranslation() {}

  /**
   * {@code adapter} seen through {@code port}, its SDK exceptions translated.
   *
   * @param dependency what the adapter calls, in an operator's words ({@code "DynamoDB table x"})
   */
  public static <T> T translating(Class<T> port, T adapter, String dependency) {
    Objects.requireNonNull(adapter, "adapter");
    Objects.requireNonNull(dependency, "dependency");
    Object proxy =
        Proxy.newProxyInstance(
            port.getClassLoader(),
            new Class<?>[] {port},
            (self, method, args) -> {
              try {
                return method.invoke(adapter, args);
              } catch (InvocationTargetException e) {
                Throwable thrown = e.getCause();
                throw thrown instanceof SdkException sdk
                    ? AwsErrors.translate(dependency, sdk)
                    : thrown;
              }
            });
    return port.cast(proxy);
  }
}
