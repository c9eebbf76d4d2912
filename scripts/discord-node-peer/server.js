// Reference peer for scripts/load-discord.sh: Discord's official
// `discord-interactions` helper on express, used the way its README and
// Discord's example app show it. A single Node process (Node's default).
//
//   PUBLIC_KEY=<64 hex digits> PORT=8788 node server.js
//
// verifyKeyMiddleware reads the raw body, checks the Ed25519 signature
// (401 when it does not match), parses the JSON, and answers PINGs with
// {"type":1} itself; anything else reaches the handler below.
import express from 'express';
import {
  InteractionResponseType,
  InteractionType,
  verifyKeyMiddleware,
} from 'discord-interactions';

const PUBLIC_KEY = process.env.PUBLIC_KEY;
const PORT = Number(process.env.PORT || 8788);
if (!PUBLIC_KEY) {
  console.error('PUBLIC_KEY is not set');
  process.exit(2);
}

const app = express();

app.post('/discord/interactions', verifyKeyMiddleware(PUBLIC_KEY), (req, res) => {
  if (req.body.type === InteractionType.PING) {
    return res.send({ type: InteractionResponseType.PONG });
  }
  // This peer only answers PINGs.
  return res.status(400).send({ error: 'unsupported interaction type' });
});

app.listen(PORT, '127.0.0.1', () => {
  console.log(`discord-node-peer listening on 127.0.0.1:${PORT}`);
});
