// Package org holds organizations and managed organizations, users and
// their memberships, invitations, logos, and the rule of who may see and
// administer what. It knows nothing of HTTP; the api package maps its
// sentinel errors to fiskaly's error bodies.
package org
