//! The JavaScript front end on the gclab heap (with its event-loop model), the scenario suite
//! (`scenarios/*.js` plus two native workloads), and the reports the `mutator` command prints.

pub mod compare;
pub mod event_loop;
pub mod js;
pub mod native;
pub mod probe;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod suite;
