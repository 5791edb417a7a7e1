// The simulator's chat page (vanilla JS, no build step). Every request uses a URL relative to
// the page's folder, so the page works standalone at / and mounted at /sim/.
"use strict";

const BASE = new URL(".", window.location.href);
const $ = (id) => document.getElementById(id);

const state = {
  personas: null, // {bot, users, chats}
  persona: null, // {kind: "user"|"group", id, data}
  chatId: null,
  speaker: null,
  version: -1,
  messages: [],
  pollToken: 0,
  hiddenKeyboardFor: null,
  stickToBottom: true,
};

/** Build an absolute URL for a path relative to the page. */
function url(path) {
  return new URL(path, BASE).toString();
}

/** GET or POST JSON; throws an Error with .status on HTTP errors. */
async function request(path, options = {}) {
  const init = { method: options.method || "GET", headers: {} };
  if (options.body !== undefined) {
    init.method = options.method || "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch(url(path), init);
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  if (!response.ok) {
    const detail = data && data.detail ? JSON.stringify(data.detail) : response.statusText;
    const error = new Error(detail);
    error.status = response.status;
    throw error;
  }
  return data;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Create an element with attributes and children. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

let toastTimer = null;

/** Show a short notice (or an alert with an OK button). */
function toast(message, alertStyle = false) {
  const box = $("toast");
  box.replaceChildren(document.createTextNode(message));
  box.className = alertStyle ? "alert" : "";
  box.hidden = false;
  clearTimeout(toastTimer);
  if (alertStyle) {
    box.append(el("button", { type: "button", text: "好 OK", onclick: () => { box.hidden = true; } }));
  } else {
    toastTimer = setTimeout(() => { box.hidden = true; }, 3500);
  }
}

// --- persona picker -------------------------------------------------------------------------

function fullName(user) {
  return [user.first_name, user.last_name].filter(Boolean).join(" ");
}

/** Load users and groups and render the picker. */
async function loadPersonas() {
  state.personas = await request("control/personas");
  $("title").textContent = `${state.personas.bot.first_name} · @${state.personas.bot.username}`;
  const users = $("persona-users");
  const chats = $("persona-chats");
  users.replaceChildren();
  chats.replaceChildren();
  for (const user of state.personas.users) {
    const meta = [user.username ? "@" + user.username : null, user.phone_number, `id ${user.id}`,
      user.blocked ? "已屏蔽 blocked" : null].filter(Boolean).join(" · ");
    users.append(el("button", {
      type: "button", class: "persona", "data-testid": `persona-${user.id}`,
      onclick: () => openChat("user", user.id),
    }, el("span", { class: "name", text: fullName(user) }),
    el("span", { class: "meta", text: meta }),
    user.note ? el("span", { class: "note", text: user.note }) : null));
  }
  for (const chat of state.personas.chats) {
    const kind = chat.is_forum ? "论坛 forum" : chat.type === "supergroup" ? "超级群 supergroup" : "群 group";
    const meta = `${kind} · ${chat.members.length} 人 members · id ${chat.id}`;
    chats.append(el("button", {
      type: "button", class: "persona", "data-testid": `persona-${chat.id}`,
      onclick: () => openChat("group", chat.id),
    }, el("span", { class: "name", text: chat.title || String(chat.id) }),
    el("span", { class: "meta", text: meta }),
    chat.note ? el("span", { class: "note", text: chat.note }) : null));
  }
  if (!state.personas.users.length) {
    users.append(el("p", { class: "hint", text: "还没有住户 No residents yet" }));
  }
  if (!state.personas.chats.length) {
    chats.append(el("p", { class: "hint", text: "还没有群组 No groups yet" }));
  }
}

/** Show the picker and stop polling. */
function showPicker() {
  state.pollToken += 1;
  state.persona = null;
  state.chatId = null;
  $("chat").hidden = true;
  $("picker").hidden = false;
  $("back").hidden = true;
  $("subtitle").textContent = "选择身份 · Choose who you are";
  if (window.location.hash) history.replaceState(null, "", window.location.pathname);
  loadPersonas().catch((error) => toast("加载失败 Load failed: " + error.message));
}

/** Open the chat of a user (private chat) or of a group. */
function openChat(kind, id) {
  const personas = state.personas;
  const data = kind === "user"
    ? personas.users.find((u) => u.id === id)
    : personas.chats.find((c) => c.id === id);
  if (!data) {
    toast("找不到 Not found: " + id);
    return;
  }
  state.persona = { kind, id, data };
  state.chatId = id;
  state.version = -1;
  state.messages = [];
  state.hiddenKeyboardFor = null;
  state.stickToBottom = true;
  $("picker").hidden = true;
  $("chat").hidden = false;
  $("back").hidden = false;
  $("messages").replaceChildren();
  const bar = $("speak-as-bar");
  if (kind === "user") {
    state.speaker = id;
    bar.hidden = true;
    $("subtitle").textContent = `我是 I am ${fullName(data)} · 与机器人私聊 private chat`;
  } else {
    const select = $("speak-as");
    select.replaceChildren();
    const members = new Set(data.members);
    const ordered = [...personas.users].sort((a, b) => Number(members.has(b.id)) - Number(members.has(a.id)));
    for (const user of ordered) {
      const label = fullName(user) + (members.has(user.id) ? "" : " (非成员 not a member)");
      select.append(el("option", { value: user.id, text: label }));
    }
    state.speaker = ordered.length ? ordered[0].id : null;
    bar.hidden = false;
    $("subtitle").textContent = `群组 Group: ${data.title}`;
  }
  history.replaceState(null, "", `#chat=${id}`);
  const token = ++state.pollToken;
  pollLoop(token);
}

// --- chat ------------------------------------------------------------------------------------

/** Long-poll for changes of the open chat and re-render. */
async function pollLoop(token) {
  while (token === state.pollToken) {
    try {
      const change = await request(
        `control/chats/${state.chatId}/wait_change?since_version=${state.version}&timeout=25`);
      if (token !== state.pollToken) return;
      if (change.version !== state.version) await refreshMessages(token);
    } catch (error) {
      if (token !== state.pollToken) return;
      if (error.status === 404) {
        toast("聊天已不存在 This chat no longer exists");
        showPicker();
        return;
      }
      await sleep(1000);
    }
  }
}

/** Fetch the chat's messages and render them. */
async function refreshMessages(token) {
  const data = await request(`control/chats/${state.chatId}/messages`);
  if (token !== state.pollToken) return;
  state.version = data.version;
  state.messages = data.messages;
  render();
}

const ENTITY_TAGS = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  spoiler: "span", blockquote: "blockquote", expandable_blockquote: "blockquote",
  text_link: "a", url: "a",
};

/** An element for one message entity. */
function entityElement(entity, content) {
  const tag = ENTITY_TAGS[entity.type] || "span";
  const node = document.createElement(tag);
  if (entity.type === "spoiler") node.className = "spoiler";
  if (tag === "a") {
    const href = entity.type === "url" ? content : entity.url || "";
    if (/^(https?:|tg:)/i.test(href)) {
      node.href = href;
      node.target = "_blank";
      node.rel = "noopener noreferrer";
    }
  }
  return node;
}

/** Append text[start:end) to parent, wrapping the given (nested) entities. */
function buildRich(parent, text, entities, start, end) {
  let pos = start;
  for (const entity of entities) {
    const stop = entity.offset + entity.length;
    if (entity.offset < pos || stop > end) continue;
    if (entity.offset > pos) parent.append(text.slice(pos, entity.offset));
    const node = entityElement(entity, text.slice(entity.offset, stop));
    const inner = entities.filter((other) => other !== entity && other.offset >= entity.offset
      && other.offset + other.length <= stop);
    buildRich(node, text, inner, entity.offset, stop);
    parent.append(node);
    pos = stop;
  }
  if (pos < end) parent.append(text.slice(pos, end));
}

/** Text with Telegram entities as DOM (offsets are UTF-16, like JS strings). */
function richText(text, entities) {
  const box = el("div", { class: "text" });
  const sorted = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
  buildRich(box, text, sorted, 0, text.length);
  return box;
}

function fileUrl(fileId) {
  return url("control/files/" + encodeURIComponent(fileId));
}

function serviceText(service, message) {
  if (service.migrate_to_chat_id) return `群已升级为超级群 Upgraded to supergroup ${service.migrate_to_chat_id}`;
  if (service.migrate_from_chat_id) return `由群 ${service.migrate_from_chat_id} 升级而来 Upgraded from a group`;
  if (service.forum_topic_created) return `话题已创建 Topic created: ${service.forum_topic_created.name}`;
  if (service.forum_topic_closed) return "话题已关闭 Topic closed";
  if (service.forum_topic_reopened) return "话题已重新打开 Topic reopened";
  return `服务消息 Service message #${message.message_id}`;
}

function snippet(message) {
  if (!message) return "…";
  if (message.deleted) return "已删除 deleted";
  const text = message.text || message.caption || (message.photo ? "📷 照片 Photo" : "")
    || (message.document ? "📄 " + (message.document.file_name || "file") : "")
    || (message.contact ? "📱 " + message.contact.phone_number : "") || "…";
  return `${message.from_name}: ${text.slice(0, 80)}`;
}

/** Press an inline button, then show the bot's answer (or its absence). */
async function pressButton(message, button) {
  if (button.url) {
    window.open(button.url, "_blank", "noopener");
    return;
  }
  if (button.callback_data === undefined) {
    toast("模拟器不支持此按钮 Button type not simulated");
    return;
  }
  try {
    const press = await request("control/callbacks", {
      body: { user_id: state.speaker, chat_id: state.chatId, message_id: message.message_id,
        data: button.callback_data },
    });
    const answer = await request(`control/callbacks/${press.callback_query_id}?timeout=15`);
    if (!answer.answered) toast("机器人未应答 The bot did not answer the button");
    else if (answer.text) toast(answer.text, answer.show_alert);
    else if (answer.url) window.open(answer.url, "_blank", "noopener");
  } catch (error) {
    toast("按钮失败 Button failed: " + error.message);
  }
}

/** One message bubble. */
function bubble(message, byId) {
  if (message.service) {
    return el("div", { class: "service", "data-testid": "service-message",
      text: serviceText(message.service, message) });
  }
  const mine = !message.from_bot && message.from_user_id === state.speaker;
  const cls = message.from_bot ? "bot" : mine ? "mine" : "other";
  const node = el("div", {
    class: `bubble ${cls}${message.deleted ? " deleted" : ""}`,
    "data-testid": message.from_bot ? "bot-message" : "user-message",
    "data-message-id": message.message_id,
  });
  if (message.deleted) {
    node.append(el("div", { text: "此消息已删除 This message was deleted" }));
    return node;
  }
  if (state.persona.kind === "group" && !mine) {
    node.append(el("div", { class: "sender", text: message.from_name }));
  }
  if (message.message_thread_id) {
    node.append(el("div", { class: "topic", text: `# 话题 topic ${message.message_thread_id}` }));
  }
  if (message.reply_to_message_id) {
    node.append(el("div", { class: "quote", text: snippet(byId.get(message.reply_to_message_id)) }));
  }
  if (message.photo && message.photo.length) {
    const largest = message.photo[message.photo.length - 1];
    node.append(el("img", {
      class: "photo", src: fileUrl(largest.file_id), alt: "photo", "data-testid": "photo",
      width: largest.width || null, height: largest.height || null, onload: keepAtBottom,
    }));
  }
  if (message.document) {
    node.append(el("a", { href: fileUrl(message.document.file_id),
      download: message.document.file_name || "file",
      text: `📄 ${message.document.file_name || "file"} (${message.document.file_size} B)` }));
  }
  if (message.voice) node.append(el("div", { text: "🎤 语音 Voice" }));
  if (message.sticker) node.append(el("div", { text: "👍 贴纸 Sticker" }));
  if (message.contact) {
    const c = message.contact;
    node.append(el("div", { text: `📱 ${c.first_name || ""} ${c.last_name || ""} ${c.phone_number}` }));
  }
  if (message.text) node.append(richText(message.text, message.entities));
  if (message.caption) node.append(richText(message.caption, message.caption_entities));
  const markup = message.reply_markup;
  if (markup && markup.inline_keyboard) {
    const keyboard = el("div", { class: "inline-keyboard" });
    for (const row of markup.inline_keyboard) {
      const line = el("div", { class: "inline-row" });
      for (const button of row) {
        line.append(el("button", {
          type: "button", class: button.url ? "url" : "", "data-testid": "inline-button",
          "data-callback": button.callback_data, text: button.text,
          onclick: () => pressButton(message, button),
        }));
      }
      keyboard.append(line);
    }
    node.append(keyboard);
  }
  const time = new Date(message.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  node.append(el("div", { class: "footer",
    text: `${message.edited ? "已编辑 edited · " : ""}${message.pinned ? "📌 " : ""}${time}` }));
  return node;
}

/** The reply keyboard currently shown (the latest one, until removed). */
function currentReplyKeyboard() {
  let current = null;
  for (const message of state.messages) {
    if (!message.from_bot || message.deleted || !message.reply_markup) continue;
    if (message.reply_markup.keyboard) current = message;
    else if (message.reply_markup.remove_keyboard) current = null;
  }
  if (current && current.message_id === state.hiddenKeyboardFor) return null;
  return current;
}

/** Send the text of a reply button (or share the contact for request_contact). */
async function pressReplyButton(message, button) {
  if (message.reply_markup.one_time_keyboard) state.hiddenKeyboardFor = message.message_id;
  if (button.request_contact) await shareContact();
  else await sendMessage({ text: button.text });
  renderReplyKeyboard();
}

function renderReplyKeyboard() {
  const box = $("reply-keyboard");
  const message = currentReplyKeyboard();
  box.replaceChildren();
  box.hidden = !message;
  if (!message) return;
  for (const row of message.reply_markup.keyboard) {
    const line = el("div", { class: "row" });
    for (const raw of row) {
      const button = typeof raw === "string" ? { text: raw } : raw;
      line.append(el("button", {
        type: "button", "data-testid": "reply-button", text: button.text,
        "data-request-contact": button.request_contact ? "true" : null,
        onclick: () => pressReplyButton(message, button),
      }));
    }
    box.append(line);
  }
}

/** Scroll to the newest message unless the reader scrolled up. */
function keepAtBottom() {
  const list = $("messages");
  if (state.stickToBottom) list.scrollTop = list.scrollHeight;
}

/** Render the whole chat, keeping the scroll at the bottom when it was there. */
function render() {
  const list = $("messages");
  const byId = new Map(state.messages.map((m) => [m.message_id, m]));
  list.replaceChildren(...state.messages.map((m) => bubble(m, byId)));
  renderReplyKeyboard();
  keepAtBottom();
}

/** Send a message as the current speaker. */
async function sendMessage(body) {
  if (state.speaker === null) {
    toast("请选择发言身份 Choose who speaks");
    return false;
  }
  try {
    await request("control/messages", { body: { user_id: state.speaker, chat_id: state.chatId, ...body } });
    return true;
  } catch (error) {
    toast("发送失败 Send failed: " + error.message);
    return false;
  }
}

function speakerUser() {
  return state.personas.users.find((u) => u.id === state.speaker);
}

/** Share the speaker's phone number as a contact (asking for one when none is known). */
async function shareContact() {
  const user = speakerUser();
  if (user && user.phone_number) return sendMessage({ contact: {} });
  const phone = window.prompt("手机号 Phone number", "+86");
  if (!phone) return false;
  return sendMessage({ contact: { phone_number: phone, user_id: state.speaker } });
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

// --- wiring ------------------------------------------------------------------------------------

function wire() {
  $("back").addEventListener("click", showPicker);
  $("messages").addEventListener("scroll", () => {
    const list = $("messages");
    state.stickToBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  });
  $("refresh").addEventListener("click", showPicker);
  $("speak-as").addEventListener("change", (event) => {
    state.speaker = Number(event.target.value);
    render();
  });
  $("composer-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("composer");
    const text = box.value;
    if (!text.trim()) return;
    box.value = "";
    if (!(await sendMessage({ text }))) box.value = text;
  });
  $("composer").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer-form").requestSubmit();
    }
  });
  $("attach").addEventListener("click", () => $("file").click());
  $("file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    const caption = $("composer").value.trim();
    const data = await readAsDataUrl(file);
    if (await sendMessage({ photo: { data_base64: data }, caption: caption || null })) {
      $("composer").value = "";
    }
  });
  $("share-contact").addEventListener("click", shareContact);
  $("new-user-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = Object.fromEntries([...form.entries()].filter(([, v]) => v !== ""));
    try {
      await request("control/users", { body });
      event.target.reset();
      await loadPersonas();
    } catch (error) {
      toast("创建失败 Create failed: " + error.message);
    }
  });
}

async function start() {
  wire();
  try {
    await loadPersonas();
  } catch (error) {
    toast("加载失败 Load failed: " + error.message);
    return;
  }
  const match = /#chat=(-?\d+)/.exec(window.location.hash);
  if (match) {
    const id = Number(match[1]);
    openChat(state.personas.users.some((u) => u.id === id) ? "user" : "group", id);
  }
}

start();
