/**
 * The wire shapes the synthetic generators produce: Zulip's and Open WebUI's
 * users, groups and presence exactly as their servers send them, the two
 * directories built from them, and the options both generators take.
 *
 * Node only; never imports `electron`.
 */

/**
 * The instant the generated directories are "now" unless told otherwise
 * (2026-11-23T00:00Z), so a seed alone fixes every date and presence.
 */
export const REFERENCE_NOW_MS = 1_795_392_000_000;

/** A JSON-ish record as the servers send it, for the free-form fields of Open WebUI. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** One Zulip user as `GET /users?client_gravatar=true&include_custom_profile_fields=true` sends it. */
export interface ZulipWireUser {
  email: string;
  user_id: number;
  avatar_version: number;
  is_admin: boolean;
  is_owner: boolean;
  is_guest: boolean;
  is_billing_admin: boolean;
  role: 100 | 200 | 300 | 400 | 600;
  is_bot: boolean;
  full_name: string;
  timezone: string;
  is_active: boolean;
  date_joined: string;
  delivery_email: string | null;
  avatar_url: string | null;
  bot_type?: number | null;
  bot_owner_id?: number | null;
  profile_data?: Record<string, { value: string; rendered_value?: string }>;
}

/** One custom profile field as `GET /realm/profile_fields` sends it. */
export interface ZulipWireProfileField {
  id: number;
  name: string;
  type: number;
  hint: string;
  field_data: string;
  order: number;
  display_in_profile_summary?: boolean;
  required: boolean;
  editable_by_user: boolean;
}

/** A group-setting value: a group ID or an anonymous group. */
type ZulipGroupSetting = number | { direct_members: number[]; direct_subgroups: number[] };

/** One user group as `GET /user_groups` sends it. */
export interface ZulipWireUserGroup {
  description: string;
  id: number;
  creator_id: number | null;
  date_created: number | null;
  name: string;
  members: number[];
  direct_subgroup_ids: number[];
  is_system_group: boolean;
  can_add_members_group: ZulipGroupSetting;
  can_join_group: ZulipGroupSetting;
  can_leave_group: ZulipGroupSetting;
  can_manage_group: ZulipGroupSetting;
  can_mention_group: ZulipGroupSetting;
  can_remove_members_group: ZulipGroupSetting;
  deactivated: boolean;
}

/** One client's presence in Zulip's legacy format. */
interface ZulipWirePresenceEntry {
  client: string;
  status: 'active' | 'idle';
  timestamp: number;
  pushable?: boolean;
}

/** A user's presence as `GET /realm/presence` keys it (by API email). */
export interface ZulipWirePresence {
  website: ZulipWirePresenceEntry;
  aggregated: ZulipWirePresenceEntry;
}

/** Everything a fake Zulip realm serves. */
export interface ZulipDirectory {
  realmHost: string;
  nowMs: number;
  members: ZulipWireUser[];
  profileFields: ZulipWireProfileField[];
  userGroups: ZulipWireUserGroup[];
  /** Keyed by API email, as `/realm/presence` does. */
  presences: Record<string, ZulipWirePresence>;
}

/** One Open WebUI user as `GET /api/v1/users/{id}` sends it to an admin. */
export interface OpenWebUIWireUser {
  status_emoji: string | null;
  status_message: string | null;
  status_expires_at: number | null;
  name: string;
  profile_image_url: string;
  groups: { id: string; name: string }[];
  is_active: boolean;
  id: string;
  email: string;
  username: string | null;
  role: 'admin' | 'user' | 'pending';
  profile_banner_image_url: string | null;
  bio: string | null;
  gender: string | null;
  date_of_birth: string | null;
  timezone: string | null;
  presence_state: string | null;
  info: { [key: string]: Json } | null;
  settings: { [key: string]: Json } | null;
  oauth: { [key: string]: Json } | null;
  scim: { [key: string]: Json } | null;
  last_active_at: number;
  updated_at: number;
  created_at: number;
}

/** One group as `GET /api/v1/groups/` sends it to an admin. */
export interface OpenWebUIWireGroup {
  id: string;
  user_id: string;
  name: string;
  description: string;
  data: { [key: string]: Json } | null;
  meta: { [key: string]: Json } | null;
  permissions: { [key: string]: Json } | null;
  created_at: number;
  updated_at: number;
  member_count: number;
}

/** Everything a fake Open WebUI serves. */
export interface OpenWebUIDirectory {
  nowMs: number;
  users: OpenWebUIWireUser[];
  groups: OpenWebUIWireGroup[];
}

/** Options of both generators: a seed and a size, so callers can ask for the same data again. */
export interface GenerateOptions {
  seed: number;
  count: number;
  /** "Now" for presence, statuses and join dates; defaults to REFERENCE_NOW_MS. */
  nowMs?: number;
}
