/**
 * The portal's pages (product spec §8): the path each one answers at, under `PORTAL_URL`, and
 * the file the build writes for it. Both the local server and the CDK stack read this list, so a
 * page added here is built, served and deployed alike.
 */
export interface PortalPage {
  /** The path after `PORTAL_URL`, as the emails' links and the pages' own links use it. */
  route: string;
  /** The entry module in `shared/portal/src/pages/` (without `.ts`), also the bundle's name. */
  entry: string;
  /** The HTML file written for it, relative to the build folder: `<route>/index.html`. */
  file: string;
}

const page = (route: string, entry: string): PortalPage => ({ route, entry, file: `${route.slice(1)}/index.html` });

export const PORTAL_PAGES: readonly PortalPage[] = [
  page('/activation', 'activation'),
  page('/registration', 'registration'),
  page('/activation-request', 'activation-request'),
  page('/sign-in', 'sign-in'),
  page('/account/users', 'account-users'),
  page('/password-reset', 'password-reset'),
];

/** The page `/` shows: the sign-in page (the emails' "sign in" button links to `PORTAL_URL` itself). */
export const HOME_PAGE_ROUTE = '/sign-in';
