// History-mode routes; the Rust server answers every non-/api path with index.html.
import { createRouter, createWebHistory } from 'vue-router'

export const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    { path: '/', redirect: '/agent' },
    // CH-1: the buyer's web chat page for one shop.
    { path: '/chat/:shop', name: 'chat', component: () => import('./features/buyer/BuyerChat.vue') },
    // Issue #15: the first run's page, opened from the link kefu prints (`/setup#<token>`).
    { path: '/setup', name: 'setup', component: () => import('./features/setup/SetupPage.vue') },
    { path: '/agent/login', name: 'login', component: () => import('./features/login/AgentLogin.vue') },
    // WB-1: the agent workbench; `?conversation=<id>` opens that conversation.
    { path: '/agent', name: 'workbench', component: () => import('./features/workbench/AgentWorkbench.vue') },
    // CH-2, CH-5: imports and partner handoffs, for those who manage the catalogue.
    { path: '/agent/catalog', name: 'catalog', component: () => import('./features/catalogue/AgentCatalog.vue') },
    // ACC-5: the approvals queue, and a requester's own requests.
    { path: '/agent/approvals', name: 'approvals', component: () => import('./features/approvals/AgentApprovals.vue') },
    // ACC-2 … ACC-6: accounts, permission groups, teams, settings, audit; `?tab=` picks one.
    { path: '/agent/team', name: 'team', component: () => import('./features/team/AgentTeam.vue') },
    // BOT-1 … BOT-6: the robot's knowledge base, settings and lexicons, test console, figures; `?tab=`.
    { path: '/agent/robot', name: 'robot', component: () => import('./features/robot/AgentRobot.vue') },
    // WB-3: quick phrases (every agent: their own; supervisors: the shop's and the teams').
    { path: '/agent/phrases', name: 'phrases', component: () => import('./features/phrases/AgentPhrases.vue') },
    // WB-2: the shop's automatic replies (everyone on the team reads; `settings.manage` edits).
    { path: '/agent/automation', name: 'automation', component: () => import('./features/automation/AgentAutomation.vue') },
    // Issue #21, CH-3: the shop's channels (WeChat Official Account first), their callback
    // settings and health; connecting, pausing, renaming, disconnecting (`settings.manage`).
    { path: '/agent/channels', name: 'channels', component: () => import('./features/channels/AgentChannels.vue') },
    // WB-6: the blocklist and the intake filter (the team reads; supervisors lift, `settings.manage` edits).
    { path: '/agent/blocklist', name: 'blocklist', component: () => import('./features/blocklist/AgentBlocklist.vue') },
    // KPI-1, KPI-2, KPI-4, WB-10: scorecards and rankings (`report.view`), their rules
    // (`settings.manage`); every other agent sees their own card. `?tab=` picks one.
    { path: '/agent/kpi', name: 'kpi', component: () => import('./features/kpi/AgentKpi.vue') },
    // DATA-1 … DATA-3: the data cockpit (`report.view`): the numbers live, the hour × weekday
    // heatmap, the anomaly alerts and their rules (`settings.manage` edits); ESC-1: the
    // escalations (`?escalation=` marks one: the notices link so) and where notifications go
    // (`settings.manage`). `?tab=` picks one.
    { path: '/agent/cockpit', name: 'cockpit', component: () => import('./features/cockpit/Cockpit.vue') },
    // DATA-2, DATA-6: the service-health reports (`report.view`), daily and monthly, to read,
    // make, download and print; `?kind=daily|monthly&period=` names one (the notices link so).
    { path: '/agent/reports', name: 'reports', component: () => import('./features/reports/Reports.vue') },
    // DATA-5: question mining — the topics buyers ask week by week (`report.view`) and the
    // problems sent to products' owners (everyone: their own); `?tab=`, and `?problem=` names one
    // (the owner's notice links so).
    { path: '/agent/questions', name: 'questions', component: () => import('./features/questions/Questions.vue') },
    // ESC-3: work orders — the list (everyone who reads conversations; handlers work on their own
    // and unowned ones, `work_order.manage` on everyone's, in bulk, and exports) and their
    // settings (`work_order.manage`). `?tab=`, and `?order=` opens one (the notices link so).
    { path: '/agent/work-orders', name: 'work-orders', component: () => import('./features/workorders/WorkOrders.vue') },
    // ACC-1, ESC-1: arbitration by the platform (平台仲裁) — the platform's desk reads, asks for
    // evidence and rules; a shop sends evidence and carries rulings out. Shown only on a
    // deployment with a platform desk; `?case=` opens one (the notices link so).
    { path: '/agent/arbitrations', name: 'arbitrations', component: () => import('./features/arbitration/AgentArbitrations.vue') },
    // SELF-3: appeals to the platform (申诉) — the platform's desk works its queue against the
    // 15-minute target, takes appeals up and decides, and checks buyers' chat records (issue #20);
    // a shop files and reopens its own. Shown with 仲裁; `?appeal=` opens one (the notices link so).
    { path: '/agent/appeals', name: 'appeals', component: () => import('./features/appeals/AgentAppeals.vue') },
    // KPI-3: quality inspection — scoring (`qa.score`), appeals and the rubric (`team.manage`),
    // and every agent's own reviews. `?tab=` picks one.
    { path: '/agent/qa', name: 'qa', component: () => import('./features/qa/AgentQa.vue') },
    { path: '/:pathMatch(.*)*', redirect: '/agent' },
  ],
})
