// A real QuickFIX C++ initiator for fixvenue's interoperability test.
//
// Usage: qf_client SETTINGS_FILE
// Reads commands from stdin, one per line:
//   wait_logon SENDER            block until that session is logged on (10 s)
//   send SENDER MSGTYPE TAG=VAL|TAG=VAL|...   build and send an application message
//   quit                         log out and stop
// Prints one line per event on stdout:
//   LOGON SENDER | LOGOUT SENDER | RECV SENDER <message as QuickFIX parsed it, SOH as |>
//   OK <command> | ERR <what>
// QuickFIX validates everything it receives against its own FIX 4.2
// dictionary (DataDictionary in the settings), so a message that reaches
// RECV passed QuickFIX's checks.
#include <quickfix/Application.h>
#include <quickfix/FileLog.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketInitiator.h>

#include <chrono>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

static std::mutex out_mutex;

static void emit(const std::string& line) {
  std::lock_guard<std::mutex> lock(out_mutex);
  std::cout << line << std::endl;
}

static std::string bars(std::string s) {
  for (auto& c : s)
    if (c == '\001') c = '|';
  return s;
}

class Client : public FIX::Application {
 public:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override { emit("LOGON " + id.getSenderCompID().getValue()); }
  void onLogout(const FIX::SessionID& id) override { emit("LOGOUT " + id.getSenderCompID().getValue()); }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message& m, const FIX::SessionID& id)
      throw(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {
    FIX::MsgType t;
    m.getHeader().getField(t);
    if (t.getValue() == "3") emit("RECV " + id.getSenderCompID().getValue() + " " + bars(m.toString()));
  }
  void fromApp(const FIX::Message& m, const FIX::SessionID& id)
      throw(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override {
    emit("RECV " + id.getSenderCompID().getValue() + " " + bars(m.toString()));
  }
};

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: qf_client SETTINGS_FILE" << std::endl;
    return 2;
  }
  try {
    FIX::SessionSettings settings(argv[1]);
    Client app;
    FIX::MemoryStoreFactory store;
    FIX::ScreenLogFactory log(false, false, false);
    FIX::SocketInitiator initiator(app, store, settings, log);
    initiator.start();
    std::string line;
    while (std::getline(std::cin, line)) {
      std::istringstream in(line);
      std::string cmd;
      in >> cmd;
      if (cmd == "quit") break;
      std::string sender;
      in >> sender;
      FIX::SessionID sid("FIX.4.2", sender, "VENUE");
      if (cmd == "wait_logon") {
        bool ok = false;
        for (int i = 0; i < 200 && !ok; ++i) {
          FIX::Session* s = FIX::Session::lookupSession(sid);
          ok = s && s->isLoggedOn();
          if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        emit(ok ? "OK wait_logon " + sender : "ERR wait_logon " + sender);
      } else if (cmd == "send") {
        std::string type, fields;
        in >> type >> fields;
        FIX::Message msg;
        msg.getHeader().setField(FIX::MsgType(type));
        std::istringstream fs(fields);
        std::string kv;
        while (std::getline(fs, kv, '|')) {
          auto eq = kv.find('=');
          if (eq == std::string::npos) continue;
          msg.setField(std::stoi(kv.substr(0, eq)), kv.substr(eq + 1));
        }
        bool sent = FIX::Session::sendToTarget(msg, sid);
        emit(sent ? "OK send" : "ERR send");
      } else {
        emit("ERR unknown command " + cmd);
      }
    }
    initiator.stop();
  } catch (std::exception& e) {
    std::cerr << "qf_client: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
