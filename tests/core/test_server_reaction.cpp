#include <catch2/catch.hpp>

#include "timeline_story.hpp"
#include "tlsflags/core/server_reaction.hpp"

using namespace tlsflags;
using namespace tlsflags::testing::story;

namespace {

// The usual start: the server asks, the client answers with Certificate + CertificateVerify + Finished.
Story answered() { return std::move(Story().hello().cr().server_rest().client_cert().client_cv().cfin()); }

std::string reaction_of(const Story& story) {
  auto reaction = classify_server_reaction(story.timeline());
  return reaction ? reaction->to_string() : "(none)";
}

}  // namespace

TEST_CASE("accepted: the server sends a NewSessionTicket or application data", "[reaction]") {
  auto story = answered().nst().data(Party::server).end();
  auto reaction = classify_server_reaction(story.timeline());
  REQUIRE(reaction);
  CHECK(reaction->kind == ServerReactionKind::accepted);
  CHECK(reaction->to_string() == "accepted");
  CHECK(reaction->anchor_frame == 8);  // the client's Certificate
  CHECK(reaction->frame == 11);        // the NewSessionTicket
  CHECK_FALSE(reaction->inferred);
  CHECK(reaction->explanation ==
        "the server went on after the client's Certificate (frame 8): it sent a NewSessionTicket (frame 11)");

  CHECK(reaction_of(answered().data(Party::client).data(Party::server).end()) == "accepted");
}

TEST_CASE("the three alerts named in the contract, and any other alert", "[reaction]") {
  CHECK(reaction_of(answered().alert(Party::server, alert_unknown_ca).fin(Party::server)) == "unknown_ca");
  CHECK(reaction_of(answered().alert(Party::server, alert_bad_certificate)) == "bad_certificate");
  CHECK(reaction_of(answered().alert(Party::server, 46 /* certificate_unknown */)) == "alert:certificate_unknown");
  CHECK(reaction_of(answered().alert(Party::server, alert_handshake_failure)) == "alert:handshake_failure");
  CHECK(reaction_of(answered().alert(Party::server, 45)) == "alert:certificate_expired");
  // RFC 8446 §6: the level does not matter for error alerts.
  CHECK(reaction_of(answered().alert(Party::server, alert_unknown_ca, kAlertLevelWarning)) == "unknown_ca");

  auto reaction = classify_server_reaction(answered().alert(Party::server, alert_unknown_ca).timeline());
  CHECK(reaction->alert_description == alert_unknown_ca);
  CHECK(reaction->explanation == "the server answered the client's Certificate (frame 8) with the alert unknown_ca (frame 11)");
}

TEST_CASE("certificate_required after an empty Certificate or no Certificate at all", "[reaction]") {
  auto empty = Story().hello().cr().server_rest().client_cert({}, 0).client_cv().cfin().alert(Party::server, 116);
  auto reaction = classify_server_reaction(empty.timeline());
  REQUIRE(reaction);
  CHECK(reaction->to_string() == "certificate_required");
  CHECK_THAT(reaction->explanation, Catch::Contains("the client's empty Certificate (frame 8)"));

  auto none = Story().hello().cr().server_rest().cfin().alert(Party::server, 116);
  auto no_answer = classify_server_reaction(none.timeline());
  REQUIRE(no_answer);
  CHECK(no_answer->to_string() == "certificate_required");
  CHECK(no_answer->anchor_frame == 4);  // the CertificateRequest
  CHECK_THAT(no_answer->explanation, Catch::Contains("which the client answered with no Certificate"));
}

TEST_CASE("with no Certificate, the server's own TLS 1.3 flight is not a reaction", "[reaction]") {
  auto story = Story().hello().cr().server_rest().end();
  auto reaction = classify_server_reaction(story.timeline());
  REQUIRE(reaction);
  CHECK(reaction->kind == ServerReactionKind::unknown);
}

TEST_CASE("closed: FIN, RST or close_notify from the server without an error alert", "[reaction]") {
  CHECK(reaction_of(answered().fin(Party::server)) == "closed");
  CHECK(reaction_of(answered().rst(Party::server)) == "closed");
  CHECK(reaction_of(answered().alert(Party::server, alert_close_notify, kAlertLevelWarning).fin(Party::server)) == "closed");
  auto reaction = classify_server_reaction(answered().rst(Party::server).timeline());
  CHECK(reaction->explanation ==
        "the server reset the connection (RST) (frame 11) after the client's Certificate (frame 8), without an error alert");
}

TEST_CASE("unknown: not visible, or the client ended first", "[reaction]") {
  CHECK(reaction_of(answered().unreadable(Party::server).end()) == "unknown");
  CHECK(reaction_of(answered().gap(Party::server).end()) == "unknown");
  CHECK(reaction_of(answered().alert(Party::client, alert_illegal_parameter).fin(Party::server)) == "unknown");
  CHECK(reaction_of(answered().rst(Party::client)) == "unknown");
  CHECK(reaction_of(answered().fin(Party::client).fin(Party::server)) == "unknown");
  // Capture ends before the client finished its answer.
  CHECK(reaction_of(Story().hello().cr().server_rest().client_cert().end()) == "unknown");
}

TEST_CASE("accepted by inference: client Finished, then silence until the capture ends", "[reaction]") {
  auto reaction = classify_server_reaction(answered().end().timeline());
  REQUIRE(reaction);
  CHECK(reaction->kind == ServerReactionKind::accepted);
  CHECK(reaction->inferred);
  CHECK(reaction->frame == 0);
}

TEST_CASE("an alert after the server went on does not change the reaction", "[reaction]") {
  CHECK(reaction_of(answered().nst().alert(Party::server, alert_unknown_ca)) == "accepted");
}

TEST_CASE("TLS 1.2: the server's Finished after the client's Certificate is acceptance", "[reaction]") {
  auto story = Story().hello("www.example.com", 0x0303).add(EventType::certificate, Party::server).cr()
                   .client_cert().client_cv().cfin().sfin();
  CHECK(reaction_of(story) == "accepted");
}

TEST_CASE("no CertificateRequest: no reaction, unless the server's flight was hidden", "[reaction]") {
  CHECK_FALSE(classify_server_reaction(Story().hello().server_rest().cfin().nst().timeline()).has_value());
  auto hidden = classify_server_reaction(Story().hello().unreadable(Party::server).no_keys().end().timeline());
  REQUIRE(hidden);
  CHECK(hidden->kind == ServerReactionKind::unknown);
  // The server was seen not to ask only when its flight was seen (docs/rules.md "The server's flight is
  // visible", the rules' own test): a capture that ends before the server's Finished does not show it.
  auto cut = classify_server_reaction(Story().hello().end().timeline());
  REQUIRE(cut);
  CHECK(cut->kind == ServerReactionKind::unknown);
  CHECK(classify_server_reaction(Story().timeline()).has_value());  // nothing seen at all
  // A server that ended the handshake early (its alert) was seen not to ask.
  CHECK_FALSE(classify_server_reaction(Story().hello().alert(Party::server, alert_handshake_failure).end().timeline()));
}
