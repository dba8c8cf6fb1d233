package dev.uplink.core.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The secret stores on the class path as one {@link SecretStore}: each reference is read by the
 * store that reads its kind. A kind that no store reads (an SSM parameter in a package without
 * {@code uplink-secrets-ssm}) is one line naming the variable, the secret and the module missing,
 * when that secret is read: a configuration that names none never notices.
 */
final class SecretStores implements SecretStore {

  private final List<SecretStore> stores;

  SecretStores(List<SecretStore> stores) {
    this.stores = List.copyOf(stores);
  }

  /** The stores {@code META-INF/services} registers where the configuration was loaded from. */
  static SecretStores onClassPath() {
    List<SecretStore> found = new ArrayList<>();
    ServiceLoader.load(SecretStore.class, SecretStores.class.getClassLoader()).forEach(found::add);
    return new SecretStores(found);
  }

  @Override
  public Set<SecretReference.Store> reads() {
    var kinds = EnumSet.noneOf(SecretReference.Store.class);
    stores.forEach(store -> kinds.addAll(store.reads()));
    return kinds;
  }

  @Override
  public OpenSecrets open(String region, Optional<URI> endpoint) {
    Map<SecretReference.Store, OpenSecrets> byKind = new EnumMap<>(SecretReference.Store.class);
    List<OpenSecrets> opened = new ArrayList<>();
    for (SecretStore store : stores) {
      OpenSecrets secrets = store.open(region, endpoint);
      opened.add(secrets);
      store.reads().forEach(kind -> byKind.putIfAbsent(kind, secrets));
    }
    return new OpenSecrets() {
      @Override
      public String read(SecretReference reference) {
        Objects.requireNonNull(reference, "reference");
        OpenSecrets secrets = byKind.get(reference.store());
        if (secrets == null) {
          throw new ConfigException(
              "%s names the %s, but nothing here reads %ss: that needs %s on the class path"
                  .formatted(
                      reference.variable(),
                      reference.describe(),
                      reference.store().description(),
                      reference.store().module()));
        }
        return secrets.read(reference);
      }

      @Override
      public void close() {
        opened.forEach(OpenSecrets::close);
      }
    };
  }
}
