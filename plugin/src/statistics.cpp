#include "statistics.hpp"

#include <map>
#include <string>
#include <vector>

#include "capture_outcome.hpp"
#include "tlsflags_protocol.hpp"
#include "wireshark_compat.hpp"

#include <epan/stat_tap_ui.h>

namespace tlsflags::plugin {
namespace {

// ---- shared ---------------------------------------------------------------------------------------

// Which connections a table has counted already, by the table (a dialog and tshark each have their own).
// Tap callbacks run between Wireshark calls that do not longjmp, so C++ containers are fine here.
std::map<const stat_tap_table*, std::vector<bool>>& counted() {
  static std::map<const stat_tap_table*, std::vector<bool>> tables;
  return tables;
}

// True the first time `table` sees the connection.
bool first_sight(const stat_tap_table* table, uint32_t index) {
  std::vector<bool>& seen = counted()[table];
  if (seen.size() <= index) seen.resize(index + 1, false);
  if (seen[index]) return false;
  seen[index] = true;
  return true;
}

stat_tap_table* only_table(void* tapdata) {
  auto* data = static_cast<stat_data_t*>(tapdata);
  return g_array_index(data->stat_tap_data->tables, stat_tap_table*, 0);
}

stat_tap_table_item_type text_item(const char* text) {
  stat_tap_table_item_type item{};
  item.type = TABLE_ITEM_STRING;
  item.value.string_value = g_strdup(text ? text : "");
  return item;
}

stat_tap_table_item_type uint_item(unsigned value) {
  stat_tap_table_item_type item{};
  item.type = TABLE_ITEM_UINT;
  item.value.uint_value = value;
  return item;
}

void free_item(stat_tap_table*, guint, guint, stat_tap_table_item_type* field) {
  if (field->type == TABLE_ITEM_STRING) g_free(const_cast<char*>(field->value.string_value));
  field->value.string_value = nullptr;
}

// A retap (a new file, a dialog's Apply) starts from no rows: Wireshark's reset_stat_table leaves the rows
// to this callback, since most tables keep fixed rows and only zero them.
void reset_table(stat_tap_table* table) {
  counted().erase(table);
  for (guint row = 0; row < table->num_elements; ++row) {
    for (guint column = 0; column < table->num_fields; ++column)
      free_item(table, row, column, stat_tap_get_field_data(table, row, column));
    g_free(table->elements[row]);
    table->elements[row] = nullptr;
  }
  table->num_elements = 0;
}

void create_table(stat_tap_table_ui* ui, const char* title, guint fields) {
  if (stat_tap_find_table(ui, title)) return;
  stat_tap_add_table(ui, stat_tap_init_table(title, static_cast<int>(fields), 0, nullptr));
}

// A column of text (left-aligned) or of counts (right-aligned); the format is tshark's for the value.
constexpr stat_tap_table_item text_column(const char* name, const char* format = "%s") {
  return {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, name, format};
}
constexpr stat_tap_table_item count_column(const char* name) { return {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, name, "%u"}; }

const char* yes_no(bool value) { return value ? "yes" : "no"; }

const char* echoed_text(int8_t echoed) { return echoed < 0 ? "?" : echoed ? "yes" : "no"; }

// ---- Connections ----------------------------------------------------------------------------------

enum ConnectionColumn : guint {
  kIndex, kClient, kServer, kSni, kOffered, kEchoed, kCertificate, kReaction, kVerdict, kFindings, kConnectionColumns
};

stat_tap_table_item kConnectionFields[] = {
    count_column("Connection"),         text_column("Client", "%-22s"),  text_column("Server", "%-22s"),
    text_column("SNI", "%-20s"),        text_column("RCA offered"),      text_column("RCA echoed"),
    text_column("Client certificate"),  text_column("Server reaction"),  text_column("Verdict"),
    count_column("Findings"),
};

constexpr const char* kConnectionsTitle = "TLS Flags connections";

void init_connections(stat_tap_table_ui* ui) { create_table(ui, kConnectionsTitle, kConnectionColumns); }

std::string reaction_text(const ConnectionOutcome& o) {
  if (!o.server_reaction) return "-";
  return std::string(o.server_reaction) + (o.server_reaction_inferred ? " (inferred)" : "");
}

tap_packet_status connection_packet(void* tapdata, packet_info*, epan_dissect_t*, const void* data, tap_flags_t) {
  stat_tap_table* table = only_table(tapdata);
  const ConnectionOutcome& o = *static_cast<const ConnectionState*>(data)->outcome;
  if (!first_sight(table, o.index)) return TAP_PACKET_DONT_REDRAW;
  stat_tap_table_item_type row[kConnectionColumns] = {
      uint_item(o.index),
      text_item(o.client),
      text_item(o.server),
      text_item(*o.server_name ? o.server_name : "-"),
      text_item(yes_no(o.rca_offered)),
      text_item(echoed_text(o.rca_echoed)),
      text_item(o.client_certificate),
      text_item(reaction_text(o).c_str()),
      text_item(o.verdict_name),
      uint_item(static_cast<unsigned>(o.finding_count)),
  };
  stat_tap_init_table_row(table, table->num_elements, kConnectionColumns, row);
  return TAP_PACKET_REDRAW;
}

stat_tap_table_ui g_connections_ui = {
    REGISTER_STAT_GROUP_GENERIC, "TLS Flags/Connections", "tlsflags", "tlsflags,conn", init_connections,
    connection_packet, reset_table, free_item, nullptr, kConnectionColumns, kConnectionFields, 0, nullptr,
    nullptr, 0};

// ---- Servers (tlsflags-check --by-server) ----------------------------------------------------------

enum ServerColumn : guint {
  kServerAddress, kServerNames, kConnections, kServerOffered, kServerEchoed, kPass, kFail, kWarn, kUndecidable,
  kNotApplicable, kServerColumns
};

// --by-server's columns, the verdict counts in docs/rules.md's order.
stat_tap_table_item kServerFields[] = {
    text_column("Server", "%-22s"), text_column("Server names", "%-20s"), count_column("Connections"),
    count_column("RCA offered"),    count_column("RCA echoed"),           count_column("pass"),
    count_column("fail"),           count_column("warn"),                 count_column("undecidable"),
    count_column("not-applicable"),
};

constexpr const char* kServersTitle = "TLS Flags servers";

void init_servers(stat_tap_table_ui* ui) { create_table(ui, kServersTitle, kServerColumns); }

// The server's row, appended when new (rows in the order servers first appear).
guint server_row(stat_tap_table* table, const char* server) {
  for (guint row = 0; row < table->num_elements; ++row) {
    stat_tap_table_item_type* item = stat_tap_get_field_data(table, row, kServerAddress);
    if (g_strcmp0(item->value.string_value, server) == 0) return row;
  }
  stat_tap_table_item_type row[kServerColumns];
  row[kServerAddress] = text_item(server);
  row[kServerNames] = text_item("");
  for (guint i = kConnections; i < kServerColumns; ++i) row[i] = uint_item(0);
  stat_tap_init_table_row(table, table->num_elements, kServerColumns, row);
  return table->num_elements - 1;
}

void add_one(stat_tap_table* table, guint row, guint column) {
  stat_tap_table_item_type* item = stat_tap_get_field_data(table, row, column);
  ++item->value.uint_value;
}

// The SNIs clients asked this server for, comma-separated, each once (--by-server's server_names).
void add_server_name(stat_tap_table* table, guint row, const char* name) {
  if (!*name) return;
  stat_tap_table_item_type* item = stat_tap_get_field_data(table, row, kServerNames);
  std::string names = item->value.string_value ? item->value.string_value : "";
  std::string padded = "," + names + ",";
  if (padded.find("," + std::string(name) + ",") != std::string::npos) return;
  names += (names.empty() ? "" : ",") + std::string(name);
  g_free(const_cast<char*>(item->value.string_value));
  item->value.string_value = g_strdup(names.c_str());
}

guint verdict_column(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return kPass;
    case Verdict::fail: return kFail;
    case Verdict::warn: return kWarn;
    case Verdict::undecidable: return kUndecidable;
    case Verdict::not_applicable: return kNotApplicable;
  }
  return kNotApplicable;
}

tap_packet_status server_packet(void* tapdata, packet_info*, epan_dissect_t*, const void* data, tap_flags_t) {
  stat_tap_table* table = only_table(tapdata);
  const ConnectionOutcome& o = *static_cast<const ConnectionState*>(data)->outcome;
  if (!first_sight(table, o.index)) return TAP_PACKET_DONT_REDRAW;
  guint row = server_row(table, o.server);
  add_server_name(table, row, o.server_name);
  add_one(table, row, kConnections);
  if (o.rca_offered) add_one(table, row, kServerOffered);
  if (o.rca_offered && o.rca_echoed == 1) add_one(table, row, kServerEchoed);
  add_one(table, row, verdict_column(o.verdict));
  return TAP_PACKET_REDRAW;
}

stat_tap_table_ui g_servers_ui = {
    REGISTER_STAT_GROUP_GENERIC, "TLS Flags/Servers", "tlsflags", "tlsflags,servers", init_servers,
    server_packet, reset_table, free_item, nullptr, kServerColumns, kServerFields, 0, nullptr, nullptr, 0};

}  // namespace

void register_statistics() {
  register_stat_tap_table_ui(&g_connections_ui);
  register_stat_tap_table_ui(&g_servers_ui);
}

}  // namespace tlsflags::plugin
