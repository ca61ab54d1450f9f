#include "tls_fields.hpp"

#include <array>
#include <vector>

namespace tlsflags::plugin {
namespace {

struct NamedField {
  const char* name;
  TlsField kind;
};

constexpr std::array kFields = {
    NamedField{"tls.handshake.type", TlsField::handshake_type},
    NamedField{"tls.handshake.extensions_length", TlsField::extensions_length},
    NamedField{"tls.handshake.extension.type", TlsField::extension_type},
    NamedField{"tls.handshake.random", TlsField::random},
    NamedField{"tls.handshake.version", TlsField::legacy_version},
    NamedField{"tls.handshake.extensions.supported_version", TlsField::supported_version},
    NamedField{"tls.handshake.certificate", TlsField::certificate},
    NamedField{"tls.handshake.dname_len", TlsField::distinguished_name},
    NamedField{"tls.handshake.extensions_server_name", TlsField::server_name},
    NamedField{"tls.handshake.sig_hash_alg", TlsField::signature_algorithm},
    NamedField{"tls.alert_message.level", TlsField::alert_level},
    NamedField{"tls.alert_message.desc", TlsField::alert_description},
    NamedField{"quic.cc.error_code.tls_alert", TlsField::quic_tls_alert},
    NamedField{"tls.record.opaque_type", TlsField::record_opaque_type},
    NamedField{"tls.record.content_type", TlsField::record_content_type},
    NamedField{"tls.app_data", TlsField::app_data},
    NamedField{"tcp.flags.fin", TlsField::tcp_fin},
    NamedField{"tcp.flags.reset", TlsField::tcp_rst},
};

// Indexed by hfid. Filled once at handoff, read-only while dissecting.
std::vector<TlsField> g_kind_by_id;
std::vector<int> g_wanted_ids;

void remember(int id, TlsField kind) {
  if (id < 0) return;
  if (static_cast<size_t>(id) >= g_kind_by_id.size()) g_kind_by_id.resize(static_cast<size_t>(id) + 1);
  g_kind_by_id[static_cast<size_t>(id)] = kind;
  g_wanted_ids.push_back(id);
}

}  // namespace

bool resolve_tls_fields() {
  bool all_found = true;
  for (const NamedField& field : kFields) {
    header_field_info* hfinfo = proto_registrar_get_byname(field.name);
    if (!hfinfo) {
      ws_warning("tlsflags: field %s is not registered; that part of the analysis is off", field.name);
      all_found = false;
      continue;
    }
    // proto_registrar_get_byname gives the last registration of a name; the others hang off
    // same_name_prev_id.
    for (int id = hfinfo->id; id >= 0;) {
      remember(id, field.kind);
      header_field_info* same = proto_registrar_get_nth(static_cast<guint>(id));
      id = same ? same->same_name_prev_id : -1;
    }
  }
  return all_found;
}

GArray* wanted_tls_field_ids() {
  GArray* ids = g_array_sized_new(FALSE, FALSE, sizeof(int), static_cast<guint>(g_wanted_ids.size()));
  for (int id : g_wanted_ids) g_array_append_val(ids, id);
  return ids;
}

TlsField classify_field(int hfid) {
  if (hfid < 0 || static_cast<size_t>(hfid) >= g_kind_by_id.size()) return TlsField::none;
  return g_kind_by_id[static_cast<size_t>(hfid)];
}

}  // namespace tlsflags::plugin
